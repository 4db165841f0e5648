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
    ExportOpt,
    JsonOpt,
    SinceOpt,
    SourceOpt,
    UntilOpt,
    _export,
    _export_format,
    _fail,
    _filters,
    _service,
    _settings,
)
from qa.cli.render import echo_sentence, print_answer
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
        service = _service(_settings(), seed=False)
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
        service.briefs.wait()  # saved questions the new articles matter to, re-answered
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
        until: UntilOpt = None, export: ExportOpt = None):
    """Answer a question from the stored articles, citing numbered passages; streams the answer."""
    from qa.service.schemas import AskRequest

    if not question and not batch:
        _fail(QAError("give a QUESTION or --batch FILE"))
    if export and batch:
        _fail(QAError("--export writes one answer: give one QUESTION, not --batch"))
    _export_format(export)
    filters = _filters(source, category, since, until)
    questions = _read_lines(batch) if batch else [question]
    try:
        service = _service(_settings(model))
        for q in questions:
            req = AskRequest(question=q or "", filters=filters, policy="flag" if flag else None)
            streamed: list[str] = []  # the kinds of the sentences printed as they came
            ans = service.ask(req, on_sentence=None if json_out else partial(echo_sentence, streamed))
            if json_out:
                typer.echo(ans.model_dump_json(exclude={"passages"}))
            else:
                print_answer(ans, streamed=True, answer_streamed="answer" in streamed)
            _export(service, ans, export)
    except QAError as e:
        _fail(e)


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        _fail(QAError(f"{path}: no such file"))
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


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
    until: UntilOpt = None, export: ExportOpt = None,
):
    """A cited summary of one article (or of a topic with --query), with its key figures and
    quotes; every sentence is checked against the passage it cites."""
    from rich.console import Console

    from qa.service.schemas import SummarizeRequest

    if not article and not query:
        _fail(QAError("give an ARTICLE (id, title prefix or path) or --query TEXT"))
    _export_format(export)
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
    _export(service, summary, export)
    if json_out:
        typer.echo(summary.model_dump_json(exclude={"passages"}))
        return
    typer.secho(summary.subject, bold=True)
    print_answer(summary)
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
        service = _service(_settings())
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

    settings = _settings()
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

    settings = _settings()
    try:
        Service(settings, Store(settings)).delete(article_id)
    except QAError as e:
        _fail(e)
    typer.echo(f"deleted {article_id}")


@app.command()
def serve():
    """Serve the browser app at / and the HTTP API at /v1 (docs at /docs) on one port
    (QA_HOST, QA_PORT; QA_API_KEYS for API keys, QA_AUTH for the app's log-in)."""
    from qa.api.server import serve as run

    try:
        run(_settings(), notify=lambda m: typer.echo(m, err=True))
    except QAError as e:
        _fail(e)


from qa.cli.evals import run_eval  # noqa: E402
from qa.cli.feeds import feeds_app  # noqa: E402
from qa.cli.stories import stories, timeline  # noqa: E402
from qa.cli.watch import watch_app  # noqa: E402

app.command("eval")(run_eval)
app.add_typer(feeds_app, name="feeds")
app.add_typer(watch_app, name="watch")
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
