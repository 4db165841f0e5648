"""The app's Feeds panel (Library tab): add a feed and poll it, poll all, remove one; the
table shows each feed's last poll, what it added and its last error."""

from __future__ import annotations

from qa.errors import QAError
from qa.service.service import Service
from qa.ui.library import library_updates


def feed_rows(service: Service) -> list[list]:
    import time

    def when(t: float | None) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else "never"
    return [[f.url, f.title, f"{f.every // 60} min", when(f.last_poll), f.last_new, f.articles,
             f.last_error[:200]] for f in service.feeds()]


def add_feed(service: Service, url: str, every: str):
    import gradio as gr

    if not (url or "").strip():
        raise gr.Error("Type a feed URL first.")
    try:
        feed = service.add_feed(url, every or None)
        reports = service.poll_feeds(feed.url)
    except QAError as e:
        raise gr.Error(str(e)) from None
    return (_poll_lines(reports), *library_updates(service)), feed_rows(service)


def poll_all(service: Service):
    return (_poll_lines(service.poll_feeds()), *library_updates(service)), feed_rows(service)


def remove_feed(service: Service, url: str | None):
    import gradio as gr

    if not url:
        raise gr.Error("Pick a feed to remove.")
    try:
        service.remove_feed(url)
    except QAError as e:
        raise gr.Error(str(e)) from None
    return (f"Removed feed {url} (its articles stay)", *library_updates(service)), feed_rows(service)


def _poll_lines(reports) -> str:
    lines = []
    for r in reports:
        if r.not_modified:
            lines.append(f"· {r.feed}: unchanged since the last poll")
        elif r.errors and not (r.added or r.replaced or r.unchanged):
            pass  # the feed itself failed: its error says so
        else:
            lines.append(f"✓ {r.feed}: {len(r.added)} new, {len(r.replaced)} updated, "
                         f"{r.unchanged} unchanged")
        lines += [f"✗ {e}" for e in r.errors]
    return "\n".join(lines) or "No feeds yet."


def feeds_panel(service: Service, library_outputs: list) -> None:
    import gradio as gr

    with gr.Accordion("Feeds (RSS / Atom)", open=False, elem_id="qa-feeds"):
        with gr.Row():
            url = gr.Textbox(label="Feed URL", placeholder="https://example.com/rss.xml", scale=3)
            every = gr.Textbox(label="Every", placeholder="15m", scale=1)
        with gr.Row():
            add = gr.Button("Add feed and poll it", variant="primary")
            poll = gr.Button("Poll all now")
        rows = gr.Dataframe(feed_rows(service), headers=["feed", "title", "every", "last poll",
                                                         "new", "articles", "last error"],
                            interactive=False, label="Feeds", elem_id="qa-feed-table")
        with gr.Row():
            victim = gr.Dropdown([f.url for f in service.feeds()], label="Feed to remove")
            remove = gr.Button("Remove feed", variant="stop")
    outputs = [*library_outputs, rows, victim]

    def done(result):
        (lines, *library), table = result
        return (lines, *library, table, gr.update(choices=[r[0] for r in table]))
    add.click(lambda u, e: done(add_feed(service, u, e)), [url, every], outputs, api_name="add_feed")
    poll.click(lambda: done(poll_all(service)), None, outputs, api_name="poll_feeds")
    remove.click(lambda u: done(remove_feed(service, u)), victim, outputs, api_name="remove_feed")
