"""`qa feeds ...`: subscribe to RSS/Atom feeds, list, remove and poll them (qa/ingest/feeds.py)."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from qa.cli.common import JsonOpt, _fail, _service, _settings
from qa.errors import QAError

feeds_app = typer.Typer(help="RSS and Atom feeds polled into articles (and polled by `qa serve`).",
                        no_args_is_help=True)


@feeds_app.command("add")
def feeds_add(url: Annotated[str, typer.Argument(help="The feed's URL (RSS or Atom).")],
              every: Annotated[Optional[str], typer.Option(help="How often: 15m, 1h, 1d ...")] = None,
              poll: Annotated[bool, typer.Option(help="Poll it once now.")] = True):
    """Subscribe to a feed and (by default) poll it once."""
    try:
        service = _service(_settings(), seed=False)
        feed = service.add_feed(url, every)
        typer.echo(f"subscribed: {feed.url} (every {feed.every // 60} min)")
        if poll:
            _print_polls(service.poll_feeds(feed.url))
            service.briefs.wait()  # saved questions the new articles matter to, re-answered
    except QAError as e:
        _fail(e)


@feeds_app.command("list")
def feeds_list(json_out: JsonOpt = False):
    """The feeds, when each was last polled, what it added, its last error."""
    from datetime import datetime

    from qa.ingest.feeds import FeedBook

    feeds = FeedBook(_settings()).all()
    if json_out:
        typer.echo(json.dumps({"feeds": [f.model_dump() for f in feeds]}))
        return
    if not feeds:
        typer.echo("No feeds yet: `qa feeds add URL`.")
    for f in feeds:
        when = datetime.fromtimestamp(f.last_poll).strftime("%Y-%m-%d %H:%M") if f.last_poll else "never"
        typer.echo(f"{f.url}  every {f.every // 60} min  last poll {when}  +{f.last_new} new  "
                   f"{f.articles} in all  {f.title[:40]}")
        if f.last_error:
            typer.secho(f"    {f.last_error[:300]}", fg="yellow")


@feeds_app.command("remove")
def feeds_remove(url: Annotated[str, typer.Argument(help="The feed's URL (see `qa feeds list`).")]):
    """Unsubscribe (the articles it brought stay; `qa delete` removes one)."""
    from qa.ingest.feeds import FeedBook

    try:
        FeedBook(_settings()).remove(url)
    except QAError as e:
        _fail(e)
    typer.echo(f"removed {url}")


@feeds_app.command("poll")
def feeds_poll(url: Annotated[Optional[str], typer.Argument(help="One feed; default all.")] = None,
               json_out: JsonOpt = False):
    """Poll now: new and changed entries become articles. Exit 2 when a feed had problems."""
    try:
        service = _service(_settings(), seed=False)
        reports = service.poll_feeds(url)
        service.briefs.wait()  # saved questions the new articles matter to, re-answered
    except QAError as e:
        _fail(e)
    if json_out:
        typer.echo(json.dumps({"polls": [r.model_dump() for r in reports]}))
    else:
        _print_polls(reports)
    if any(r.errors for r in reports):
        raise typer.Exit(2)


def _print_polls(reports) -> None:
    for r in reports:
        state = "unchanged (304)" if r.not_modified else (
            f"added {len(r.added)}, replaced {len(r.replaced)}, unchanged {r.unchanged}")
        if r.errors and not (r.added or r.replaced or r.unchanged or r.not_modified):
            state = "failed"
        typer.echo(f"{r.feed}: {state}")
        for e in r.errors:
            typer.secho(f"  problem: {e}", fg="yellow", err=True)
