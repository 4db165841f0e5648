"""The app's Stories tab: a topic's timeline (dated events, each quoted with its citation, and
the figures the articles report differently) and the stories among the stored articles."""

from __future__ import annotations

import html

from pydantic import ValidationError

from qa.errors import QAError, explain
from qa.index.copies import earlier_copy
from qa.index.filters import Filters
from qa.service.schemas import StoriesRequest, TimelineRequest
from qa.service.service import Service
from qa.ui.downloads import download_row


def _copies(c) -> str:
    names = ", ".join(x.source or x.title for x in c.also_in)
    return f"; also in {html.escape(names)}" if names else ""


def _cite(c) -> str:
    esc = html.escape
    n = f"[{c.n}] " if c.n else ""
    return (f"<small>{n}{esc(c.source or 'unknown outlet')}, {esc(c.published_at[:10] or 'no date')}: "
            f"{esc(c.title)} (chars {c.start}–{c.end}){_copies(c)}</small>")


def render_timeline(tl) -> str:
    esc = html.escape
    if not tl.events:
        return f"<i>No events found about “{esc(tl.topic)}”.</i>"
    rows = []
    for ev in tl.events:
        how = f" <small>(“{esc(ev.when)}”, from the article's date)</small>" if ev.when else ""
        as_of = f" <small>(as of {esc(ev.as_of)})</small>" if ev.as_of else ""
        rows.append(f"<tr><td><b>{esc(ev.date)}</b>{how}</td><td>{esc(ev.text)}{as_of}<br>"
                    f"{_cite(ev.citation)}</td></tr>")
    out = [f"<p>{len(tl.events)} events from {tl.articles} articles</p>",
           "<table class='qa-timeline'>" + "".join(rows) + "</table>"]
    if tl.conflicts:
        out.append("<h4>Where the articles differ</h4>")
    for k in tl.conflicts:
        items = "".join(f"<li><b>{esc(cl.figure)}</b> — {_cite(cl.citation)}</li>" for cl in k.claims)
        out.append(f"<p>{esc(k.about or k.quantity)}</p><ul>{items}</ul>")
    return "\n".join(out)


def render_stories(found) -> str:
    esc = html.escape
    if not found:
        return "<i>No stories: no two articles here tell the same story.</i>"
    out = []
    for s in found:
        span = s.first if s.first == s.last else f"{s.first} to {s.last}"
        copies = f", {s.copies} of them copies" if s.copies else ""
        copy_of = earlier_copy([(a.article_id, a.copy_group) for a in s.articles])
        items = "".join(f"<li>{esc(a.published_at[:10])} · {esc(a.source)} · {esc(a.title)}"
                        + (" <small>(copy)</small>" if copy_of[a.article_id] else "") + "</li>"
                        for a in s.articles)
        out.append(f"<details><summary><b>{esc(s.title)}</b> — {esc(span or 'undated')} · "
                   f"{len(s.articles)} articles{copies} · {esc(', '.join(s.outlets))}</summary>"
                   f"<ul>{items}</ul></details>")
    return "\n".join(out)


def _filters(source: str, since: str, until: str) -> Filters:
    import gradio as gr

    try:
        return Filters(source=source, since=since, until=until)
    except ValidationError as e:
        raise gr.Error(explain(e)) from None


def show_timeline(service: Service, topic: str, source: str = "", since: str = "", until: str = ""):
    """(the timeline as HTML, the timeline: for its download button)."""
    import gradio as gr

    if not (topic or "").strip():
        raise gr.Error("Type a topic first.")
    try:
        req = TimelineRequest(topic=topic, filters=_filters(source, since, until))
        tl = service.timeline(req)
    except QAError as e:
        raise gr.Error(str(e)) from None
    return render_timeline(tl), tl


def show_stories(service: Service, source: str = "", since: str = "", until: str = "") -> str:
    return render_stories(service.stories(StoriesRequest(filters=_filters(source, since, until))))


def stories_tab(service: Service) -> None:
    import gradio as gr

    topic = gr.Textbox(label="Topic", placeholder="e.g. facial recognition", elem_id="qa-timeline-topic")
    with gr.Row():
        source = gr.Textbox(label="Outlet (optional)")
        since = gr.Textbox(label="Since YYYY-MM-DD")
        until = gr.Textbox(label="Until YYYY-MM-DD")
    with gr.Row():
        go = gr.Button("Timeline", variant="primary")
        find = gr.Button("List stories")
    out = gr.HTML(elem_id="qa-timeline")
    made = gr.State(None)
    download_row(service, made, "qa-timeline", "qa-timeline-download", "timeline")
    go.click(lambda *a: show_timeline(service, *a), [topic, source, since, until], [out, made],
             api_name="timeline")
    topic.submit(lambda *a: show_timeline(service, *a), [topic, source, since, until], [out, made])
    find.click(lambda *a: show_stories(service, *a), [source, since, until], out, api_name="stories")
