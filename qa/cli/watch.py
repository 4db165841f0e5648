"""`qa watch ...`: saved questions re-answered as news arrives (qa/service/briefs.py)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Optional

import typer

from qa.cli.common import (
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
from qa.cli.render import print_answer
from qa.errors import QAError

watch_app = typer.Typer(help="Saved questions, re-answered when new articles enter their "
                        "evidence (and on demand), each run kept with what changed.",
                        no_args_is_help=True)
IdArg = Annotated[str, typer.Argument(help="The watch's id (`qa watch list`).")]


@watch_app.command("add")
def watch_add(question: Annotated[str, typer.Argument(help="The question to keep asking.")],
              webhook: Annotated[str, typer.Option(help="POST each change as JSON to this URL.")] = "",
              run: Annotated[bool, typer.Option(help="Answer it now.")] = True,
              source: SourceOpt = None, category: CategoryOpt = None, since: SinceOpt = None,
              until: UntilOpt = None, json_out: JsonOpt = False):
    """Save a question (with filters) and, by default, answer it now."""
    from qa.service.briefs import WatchRequest

    try:
        service = _service(_settings())
        watch = service.briefs.add_watch(WatchRequest(
            question=question, filters=_filters(source, category, since, until), webhook=webhook, run=run))
        if json_out:
            typer.echo(watch.model_dump_json())
            return
        typer.echo(f"watching {watch.id}: {watch.question}")
        for r in service.briefs.runs(watch.id, limit=1):
            print_answer(r.answer)
    except QAError as e:
        _fail(e)


@watch_app.command("list")
def watch_list(json_out: JsonOpt = False):
    """The watches: runs, when last answered, what last changed, webhook deliveries waiting."""
    try:
        watches = _service(_settings(), seed=False).briefs.watches()
    except QAError as e:
        _fail(e)
    if json_out:
        typer.echo(json.dumps({"watches": [w.model_dump() for w in watches]}))
        return
    if not watches:
        typer.echo('No watches yet: `qa watch add "QUESTION"` saves one.')
    for w in watches:
        when = datetime.fromtimestamp(w.last_run_at).strftime("%Y-%m-%d %H:%M") if w.last_run_at else "never"
        typer.echo(f"{w.id}  {w.runs:>3} runs  last {when}  {w.question[:70]}")
        if w.last_change:
            typer.echo(f"      last change: {w.last_change}")
        if w.undelivered:
            typer.secho(f"      webhook: {w.undelivered} waiting, retried ({w.delivery_error})", fg="yellow")


@watch_app.command("run")
def watch_run(wid: IdArg, json_out: JsonOpt = False):
    """Answer the watch's question now; print the answer and what changed."""
    try:
        run = _service(_settings()).briefs.run_watch(wid)
    except QAError as e:
        _fail(e)
    if json_out:
        typer.echo(run.model_dump_json())
        return
    typer.secho(f"run {run.n}: {run.changes.summary()}", bold=True)
    print_answer(run.answer)


@watch_app.command("history")
def watch_history(wid: IdArg, limit: Annotated[Optional[int], typer.Option(help="Latest N runs.")] = None,
                  json_out: JsonOpt = False, export: ExportOpt = None):
    """The watch's runs, newest first, each with what it changed."""
    _export_format(export)
    try:
        service = _service(_settings(), seed=False)
        runs = service.briefs.runs(wid, limit)
    except QAError as e:
        _fail(e)
    _export(service, wid, export)
    if json_out:
        typer.echo(json.dumps({"runs": [r.model_dump(exclude={"answer": {"passages"}}) for r in runs]}))
        return
    for r in runs:
        typer.secho(f"run {r.n}  {datetime.fromtimestamp(r.at):%Y-%m-%d %H:%M}  ({r.why}): "
                    f"{r.changes.summary()}", bold=True)
        for s in r.changes.new_sentences:
            typer.echo(f"  + {s}")
        for s in r.changes.gone_sentences:
            typer.echo(f"  - {s}")


@watch_app.command("remove")
def watch_remove(wid: IdArg):
    """Forget a watch and its runs."""
    try:
        _service(_settings(), seed=False).briefs.remove_watch(wid)
    except QAError as e:
        _fail(e)
    typer.echo(f"removed {wid}")
