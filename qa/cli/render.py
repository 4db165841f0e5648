"""How the `qa` command prints an answer or a summary: each checked sentence (streamed as it
passes), what the check removed and why, and the sources with their quoted sentences."""

from __future__ import annotations

import typer

__all__ = ["echo_sentence", "print_answer", "print_sources"]


def echo_sentence(streamed: list[str], s) -> None:
    """A checked sentence, printed as soon as it has passed its check (its kind noted)."""
    streamed.append(s.kind)
    typer.secho(_sentence_line(s), fg=None if s.supported else "red")


def _sentence_line(s) -> str:
    if s.kind == "answer":
        return f"Answer: {s.text}"
    if s.kind == "gap":
        return f"· {s.text}"
    return f"{'✓' if s.supported else '✗'} {s.text} {''.join(f'[{n}]' for n in s.citations)}"


def print_answer(ans, streamed: bool = False, answer_streamed: bool = False) -> None:
    """The answer (its shown sentences unless they were streamed already), the sentences the
    check removed with why, and the sources."""
    from qa.check.support import describe
    from qa.models import Answer

    if ans.refused:
        typer.secho(ans.text, bold=True)
        if ans.sentences:
            typer.secho(f"({ans.sentences[0].reason})", dim=True)
        for s in ans.sentences[1:]:
            typer.secho(f"  ✗ rejected: {s.text}  ({s.reason})", dim=True)
        if getattr(ans, "closest", None):
            typer.echo("\nClosest passages (none answers it):")
            print_sources(ans.closest)
        return
    if streamed and not answer_streamed and isinstance(ans, Answer) and ans.answer:
        typer.secho(f"Answer: {ans.answer}", bold=True)
    for s in ans.sentences:
        if s.shown and not streamed:
            typer.secho(_sentence_line(s), fg=None if s.supported else "red")
        if s.shown and not s.supported:
            typer.secho(f"    unsupported: {s.reason}", dim=True)
        elif not s.shown:  # a supported sentence is hidden by a limit (a summary's length, a repeat)
            label = "hidden" if s.supported else "removed by the check"
            typer.secho(f"  ✗ {label}: {s.text}  ({s.reason})", dim=True)
    typer.echo("\nSources:")
    print_sources(ans.citations)
    if ans.checked_by:
        typer.secho(f"({describe(ans.checked_by)})", dim=True)
    if getattr(ans, "dropped_citations", 0):
        typer.secho(f"({ans.dropped_citations} citation(s) to passages that do not exist were dropped)",
                    dim=True)


def print_sources(citations) -> None:
    for c in citations:
        typer.echo(f"[{c.n}] {c.title} — {c.source or 'unknown outlet'}, {c.published_at[:10] or 'no date'}"
                   f" (chars {c.start}-{c.end})")
        typer.secho(f"    {c.quoted()}", dim=True)
        if c.also_in:
            typer.secho(f"    also in: {', '.join(x.source or x.title for x in c.also_in)}", dim=True)
