"""`qa stories` and `qa timeline`: articles grouped into stories, a topic's dated events and
where its articles' figures disagree (qa/news/stories.py, qa/news/timeline.py)."""

from __future__ import annotations

import json
from typing import Annotated

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
from qa.errors import QAError
from qa.index.copies import earlier_copy


def stories(json_out: JsonOpt = False, source: SourceOpt = None, category: CategoryOpt = None,
            since: SinceOpt = None, until: UntilOpt = None):
    """Articles about the same event grouped into stories (copies of one text included), newest
    first, with their outlets and dates."""
    from qa.service.schemas import StoriesRequest

    req = StoriesRequest(filters=_filters(source, category, since, until))
    try:
        found = _service(_settings()).stories(req)
    except QAError as e:
        _fail(e)
    if json_out:
        typer.echo(json.dumps({"stories": [s.model_dump() for s in found]}))
        return
    if not found:
        typer.echo("No stories: no two articles here tell the same story.")
    for s in found:
        span = s.first if s.first == s.last else f"{s.first} to {s.last}"
        copies = f" ({s.copies} of them copies)" if s.copies else ""
        typer.secho(f"{s.title}", bold=True)
        typer.echo(f"  {span or 'undated'} · {len(s.articles)} articles{copies} · "
                   f"{len(s.outlets)} outlets: {', '.join(s.outlets)}")
        copy_of = earlier_copy([(a.article_id, a.copy_group) for a in s.articles])
        for a in s.articles:
            mark = "  (copy)" if copy_of[a.article_id] else ""
            typer.echo(f"    {a.article_id}  {a.published_at[:10] or '----------'}  {a.source[:20]:<20}  "
                       f"{a.title[:60]}{mark}")


def timeline(topic: Annotated[str, typer.Argument(help="What the timeline is about.")],
             json_out: JsonOpt = False, source: SourceOpt = None, category: CategoryOpt = None,
             since: SinceOpt = None, until: UntilOpt = None, export: ExportOpt = None):
    """The dated events of a topic, each a sentence quoted from an article with its citation,
    in the order they happened; then the figures the articles report differently."""
    from qa.service.schemas import TimelineRequest

    _export_format(export)
    try:
        req = TimelineRequest(topic=topic, filters=_filters(source, category, since, until))
        service = _service(_settings())
        tl = service.timeline(req)
    except QAError as e:
        _fail(e)
    _export(service, tl, export)
    if json_out:
        typer.echo(tl.model_dump_json())
        return
    if not tl.events:
        typer.echo(f"No events found about {topic!r}.")
        return
    typer.secho(f"{topic}: {len(tl.events)} events from {tl.articles} articles", bold=True)
    for ev in tl.events:
        when = f'  ("{ev.when}", resolved against {ev.citation.published_at[:10]})' if ev.when else ""
        as_of = f" (as of {ev.as_of})" if ev.as_of else ""
        typer.echo(f"{ev.date:<10}  {ev.text}{as_of} [{ev.citation.n}]{when}")
    typer.echo("")
    for ev in tl.events:
        c = ev.citation
        also = f"; also in {', '.join(x.source or x.title for x in c.also_in)}" if c.also_in else ""
        typer.echo(f"[{c.n}] {c.source or c.title}, {c.published_at[:10]}: {c.title} "
                   f"(chars {c.start}-{c.end}){also}")
    if tl.conflicts:
        typer.secho("\nWhere the articles differ:", bold=True)
    for k in tl.conflicts:
        typer.echo(f"  {k.about or k.quantity}:")
        for claim in k.claims:
            c = claim.citation
            also = f", also {', '.join(x.source or x.title for x in c.also_in)}" if c.also_in else ""
            typer.echo(f"    {claim.figure} — {c.source or c.title} {c.published_at[:10]}{also} "
                       f"(chars {c.start}-{c.end})")
