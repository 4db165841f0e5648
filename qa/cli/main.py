"""The `qa` command. Heavy libraries (torch, chromadb, litellm, gradio) load inside the
commands that need them, so `qa --help` and `qa list` start fast."""

from __future__ import annotations

import json
import sys
import time
from functools import partial
from pathlib import Path
from typing import Annotated, Optional

import typer

from qa.cli.common import (  # noqa: E402
    CategoryOpt,
    JsonOpt,
    SinceOpt,
    SourceOpt,
    UntilOpt,
    _fail,
    _filters,
    _service,
    _settings,
)
from qa.config import Settings
from qa.errors import QAError, explain

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Ask questions about news articles and get answers with checked citations.")


@app.command()
def ingest(paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt .md .html .jsonl).")],
           json_out: JsonOpt = False):
    """Add articles to the store. Unchanged articles are skipped; changed ones replaced.

    Exit code 0: all stored; 2: some files were bad (listed), the rest stored; 1: failure."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    try:
        service = _service(Settings(), seed=False)
        start = time.perf_counter()
        with Progress(TextColumn("{task.description}"), BarColumn(bar_width=20), TaskProgressColumn(),
                      TextColumn("ETA"), TimeRemainingColumn(), console=Console(stderr=True),
                      disable=json_out or not sys.stderr.isatty()) as bar:
            task = bar.add_task("ingesting", total=None)

            def tick(done: int, total: int, rep) -> None:
                n = len(rep.added) + len(rep.replaced) + len(rep.skipped)
                rate = rep.chunks / max(time.perf_counter() - start, 1e-9)
                bar.update(task, completed=done, total=total, description=(
                    f"{n} articles · {rep.chunks} chunks · {rate:.0f} chunks/s · {len(rep.errors)} bad"))

            report = service.add_paths(paths, progress=tick)
    except QAError as e:
        _fail(e)
    if json_out:
        typer.echo(report.model_dump_json(indent=2))
    else:
        typer.echo(f"added {len(report.added)}, replaced {len(report.replaced)}, "
                   f"unchanged {len(report.skipped)} articles; {report.chunks} chunks written")
        for err in report.errors:
            typer.secho(f"  skipped {err}", fg="yellow", err=True)
    if report.errors:
        raise typer.Exit(2)


@app.command()
def ask(question: Annotated[Optional[str], typer.Argument(help="The question.")] = None,
        batch: Annotated[Optional[Path], typer.Option(help="File with one question a line.")] = None,
        json_out: JsonOpt = False,
        model: Annotated[Optional[str], typer.Option(help="litellm model id (default QA_MODEL).")] = None,
        flag: Annotated[bool, typer.Option("--flag", help="Keep unsupported sentences, marked.")] = False,
        source: SourceOpt = None, category: CategoryOpt = None, since: SinceOpt = None,
        until: UntilOpt = None):
    """Answer a question from the stored articles, citing numbered passages; streams the answer."""
    from qa.service.schemas import AskRequest

    if not question and not batch:
        _fail(QAError("give a QUESTION or --batch FILE"))
    filters = _filters(source, category, since, until)
    questions = _read_lines(batch) if batch else [question]
    try:
        service = _service(_settings(model))
        for q in questions:
            req = AskRequest(question=q or "", filters=filters, policy="flag" if flag else None)
            streamed: list[str] = []  # the kinds of the sentences printed as they came
            ans = service.ask(req, on_sentence=None if json_out else partial(_echo_sentence, streamed))
            if json_out:
                typer.echo(ans.model_dump_json(exclude={"passages"}))
            else:
                _print_answer(ans, streamed=True, answer_streamed="answer" in streamed)
    except QAError as e:
        _fail(e)


def _echo_sentence(streamed: list[str], s) -> None:
    """A checked sentence, printed as soon as it has passed its check (its kind noted)."""
    streamed.append(s.kind)
    typer.secho(_sentence_line(s), fg=None if s.supported else "red")


def _sentence_line(s) -> str:
    if s.kind == "answer":
        return f"Answer: {s.text}"
    if s.kind == "gap":
        return f"· {s.text}"
    return f"{'✓' if s.supported else '✗'} {s.text} {''.join(f'[{n}]' for n in s.citations)}"


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        _fail(QAError(f"{path}: no such file"))
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _print_answer(ans, streamed: bool = False, answer_streamed: bool = False) -> None:
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
            _print_sources(ans.closest)
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
    _print_sources(ans.citations)
    if ans.checked_by:
        typer.secho(f"({describe(ans.checked_by)})", dim=True)
    if getattr(ans, "dropped_citations", 0):
        typer.secho(f"({ans.dropped_citations} citation(s) to passages that do not exist were dropped)",
                    dim=True)


def _print_sources(citations) -> None:
    for c in citations:
        typer.echo(f"[{c.n}] {c.title} — {c.source or 'unknown outlet'}, {c.published_at[:10] or 'no date'}"
                   f" (chars {c.start}-{c.end})")
        typer.secho(f"    “{c.quote}”", dim=True)
        if c.also_in:
            typer.secho(f"    also in: {', '.join(x.source or x.title for x in c.also_in)}", dim=True)


@app.command()
def summarize(
    article: Annotated[Optional[str], typer.Argument(help="Article id, title prefix or path.")] = None,
    query: Annotated[Optional[str], typer.Option(help="Summarise a topic across articles instead.")] = None,
    json_out: JsonOpt = False,
    model: Annotated[Optional[str], typer.Option(help="litellm model id (default QA_MODEL).")] = None,
    flag: Annotated[bool, typer.Option("--flag", help="Keep unsupported sentences, marked.")] = False,
    sentences: Annotated[Optional[int], typer.Option(
        "--sentences", min=1, max=30, help="How many sentences (default: as the article's length "
        "suggests, 3 to QA_SUMMARY__MAX_SENTENCES).")] = None,
    source: SourceOpt = None, category: CategoryOpt = None, since: SinceOpt = None,
    until: UntilOpt = None,
):
    """A cited summary of one article (or of a topic with --query), with its key figures and
    quotes; every sentence is checked against the passage it cites."""
    from rich.console import Console

    from qa.service.schemas import SummarizeRequest

    if not article and not query:
        _fail(QAError("give an ARTICLE (id, title prefix or path) or --query TEXT"))
    req = SummarizeRequest(article=None if query else article, query=query,
                           filters=_filters(source, category, since, until), sentences=sentences,
                           policy="flag" if flag else None)
    console = Console(stderr=True)
    try:
        service = _service(_settings(model))
        with console.status("summarising…") as status:
            def progress(what: str) -> None:
                status.update(f"{what}…")
            summary = service.summarize(req, progress=progress, paths=True)
    except QAError as e:
        _fail(e)
    if json_out:
        typer.echo(summary.model_dump_json(exclude={"passages"}))
        return
    typer.secho(summary.subject, bold=True)
    _print_answer(summary)
    if summary.key_facts:
        typer.echo(f"\nKey facts (✓ stated in the summary: {summary.facts_stated()} of "
                   f"{len(summary.key_facts)}):")
    for f in summary.key_facts:
        mark = "✓" if f.in_summary else "•"
        if f.kind == "figure":
            typer.echo(f"  {mark} {f.text}  (chars {f.start}-{f.end})")
        else:
            typer.echo(f"  {mark} “{f.text}” — {f.speaker or 'unattributed'}  (chars {f.start}-{f.end})")


@app.command()
def search(query: Annotated[Optional[str], typer.Argument(help="What to look for.")] = None,
           k: Annotated[int, typer.Option("--k", help="Results to return.")] = 10,
           batch: Annotated[Optional[Path], typer.Option(help="File with one query a line.")] = None,
           mode: Annotated[str, typer.Option(help="hybrid, dense or bm25.")] = "hybrid",
           json_out: JsonOpt = False, source: SourceOpt = None, category: CategoryOpt = None,
           since: SinceOpt = None, until: UntilOpt = None):
    """Retrieval only: the ranked passages for a query, with scores."""
    from pydantic import ValidationError

    from qa.service.schemas import SearchRequest

    if not query and not batch:
        _fail(QAError("give a QUERY or --batch FILE"))
    filters = _filters(source, category, since, until)
    try:
        service = _service(Settings())
        for q in (_read_lines(batch) if batch else [query]):
            try:
                req = SearchRequest(query=q or "", k=k, mode=mode, filters=filters)  # type: ignore[arg-type]
            except ValidationError as e:
                _fail(QAError(explain(e)))
            result = service.search(req)
            if json_out:
                typer.echo(result.model_dump_json())
                continue
            hits = result.results
            for i, p in enumerate(hits, 1):
                typer.secho(f"{i:>2}. {p.score:.4f} (cos {p.similarity:.2f}) {p.title} — {p.source} "
                            f"[{p.start}:{p.end}]", bold=True)
                typer.echo(f"    {p.text[:300]}")
    except QAError as e:
        _fail(e)


@app.command("list")
def list_articles(json_out: JsonOpt = False):
    """The stored articles with their metadata and chunk counts."""
    from qa.index.store import Store
    from qa.service.service import Service

    settings = Settings()
    rows = [r.model_dump() for r in Service(settings, Store(settings)).articles()]
    if json_out:
        typer.echo(json.dumps({"articles": rows}))
        return
    if not rows:
        typer.echo("No articles yet: `qa ingest PATH` adds some (the app ingests the seed articles itself).")
    from qa.index.copies import earlier_copy

    copy_of = earlier_copy([(r["id"], r["copy_group"]) for r in rows])
    for r in rows:
        mark = f"  (copy of {copy_of[r['id']]})" if copy_of[r["id"]] else ""
        typer.echo(f"{r['id']}  {r['published_at'][:10] or '----------'}  {r['source'][:18]:<18}  "
                   f"{r['chunks']:>3} chunks  {r['title'][:70]}{mark}")


@app.command()
def delete(article_id: Annotated[str, typer.Argument(help="Article id (see `qa list`).")]):
    """Remove an article and its chunks from every index."""
    from qa.index.store import Store
    from qa.service.service import Service

    settings = Settings()
    try:
        Service(settings, Store(settings)).delete(article_id)
    except QAError as e:
        _fail(e)
    typer.echo(f"deleted {article_id}")


@app.command("eval")
def run_eval(
    suite: Annotated[str, typer.Argument(help="seed (evals/seed.yaml), multihop, or a YAML path.")] = "seed",
    model: Annotated[Optional[list[str]], typer.Option(help="litellm model id; repeat to compare.")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Run JSON path (.html beside it).")] = None,
    baseline: Annotated[Optional[Path], typer.Option(help="Fail (exit 1) on regression against it.")] = None,
    update_baseline: Annotated[bool, typer.Option(help="Write this run as the new baseline.")] = False,
    tolerance: Annotated[float, typer.Option(help="Allowed drop of a metric.")] = 0.05,
    limit: Annotated[Optional[int], typer.Option(help="Only the first N cases.")] = None,
    write: Annotated[Optional[Path], typer.Option(
        help="Also write the metrics table, with its provenance line, into this markdown file "
        "(its figure block for this command is replaced).")] = None,
):
    """Run an eval suite: answers, refusals, citations, retrieval, latency; report and gate."""
    import time as _time

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from qa.evals.cases import load_suite
    from qa.evals.report import table_rows, write_html
    from qa.evals.run import broken_promises, compare, load_run, run_suite

    console = Console(stderr=True)
    if baseline and not baseline.is_file() and not update_baseline:
        _fail(QAError(f"baseline {baseline} does not exist: give the path of a committed run, or "
                      "add --update-baseline to write this run there"))
    try:
        spec = load_suite(suite)
        base = load_run(baseline) if baseline and not update_baseline else None
        runs = []
        for m in model or [Settings().model]:
            settings = _settings(m)
            n = len(spec.cases[:limit])
            with console.status(f"{spec.suite} on {m}: 0/{n}") as status:
                done: list = []

                def tick(row, status=status, done=done, n=n, m=m):
                    done.append(row)
                    mark = "pass" if row.passed else ("ERROR" if row.error else "fail")
                    said = row.error.splitlines()[0] if row.error else repr(row.answer[:90])
                    console.print(f"  {mark:>5} {row.id}: {said}", highlight=False)
                    status.update(f"{spec.suite} on {m}: {len(done)}/{n}")

                runs.append(run_suite(spec, settings, limit=limit, progress=tick))
    except QAError as e:
        _fail(e)
    problems = broken_promises(runs[0]) + (compare(runs[0], base, tolerance) if base else [])
    table = Table(title=f"qa eval {spec.suite}")
    head, *rows = table_rows(runs, base)
    for h in head:
        table.add_column(h)
    for r in rows:
        table.add_row(*map(escape, r))
    Console().print(table)
    out = out or Path("runs") / f"{spec.suite}-{_time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    for i, run in enumerate(runs):
        target = out if i == 0 else out.with_name(f"{out.stem}-{i}{out.suffix}")
        target.write_text(run.model_dump_json(indent=1), encoding="utf-8")
    report = write_html(runs, base, out.with_suffix(".html"), problems)
    typer.echo(f"run: {out}\nreport: {report}")
    if write:
        from qa.evals.report import write_markdown

        write_markdown(runs, base, write, command=" ".join(["qa", *sys.argv[1:]]))
        typer.echo(f"figures written: {write}")
    if update_baseline:
        target = baseline or Path("evals") / f"baseline-{spec.suite}.json"
        target.write_text(runs[0].model_dump_json(indent=1), encoding="utf-8")
        typer.echo(f"baseline written: {target}")
    if problems:
        for p in problems:
            typer.secho(f"REGRESSION: {p}", fg="red", err=True)
        raise typer.Exit(1)


@app.command()
def serve():
    """Serve the browser app at / and the HTTP API at /v1 (docs at /docs) on one port
    (QA_HOST, QA_PORT; QA_API_KEYS for API keys, QA_AUTH for the app's log-in)."""
    from qa.api.server import serve as run

    try:
        run(Settings(), notify=lambda m: typer.echo(m, err=True))
    except QAError as e:
        _fail(e)


from qa.cli.feeds import feeds_app  # noqa: E402
from qa.cli.stories import stories, timeline  # noqa: E402

app.add_typer(feeds_app, name="feeds")
app.command()(stories)
app.command()(timeline)


keys_app = typer.Typer(help="API keys for `qa serve` (QA_API_KEYS).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("new")
def new_key(name: Annotated[str, typer.Argument(help="Who the key is for, e.g. 'ci' or 'alice'.")]):
    """Make a key: prints the key (give it to its user) and the line for a QA_API_KEYS file,
    which holds only its SHA-256."""
    from qa.keys import digest
    from qa.keys import new_key as make

    if ":" in name or "," in name or not name.strip():
        _fail(QAError("a key name must be non-empty, without ':' or ','"))
    key = make()
    typer.echo(f"key: {key}")
    typer.echo(f"line for the QA_API_KEYS file: {name.strip()}:sha256:{digest(key)}")


if __name__ == "__main__":
    app()
