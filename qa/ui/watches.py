"""The app's Watches tab: save a question, see its latest answer and what changed since the
run before (new cited sentences, figures that moved, new outlets), run it now, remove it,
download its history; the Atom feed of changes for a feed reader."""

from __future__ import annotations

import html
from datetime import datetime

from qa.errors import QAError
from qa.service.briefs import WatchRequest
from qa.service.service import Service
from qa.ui.downloads import download_row
from qa.ui.render import render_answer, render_sources

__all__ = ["watches_tab"]


def watch_rows(service: Service) -> list[list]:
    def when(t: float | None) -> str:
        return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M") if t else "never"
    return [[w.id, w.question, w.runs, when(w.last_run_at), w.last_change,
             f"{w.undelivered} waiting: {w.delivery_error[:120]}" if w.undelivered else ""]
            for w in service.briefs.watches()]


def _choices(service: Service) -> list[tuple[str, str]]:
    return [(f"{w.question[:80]} · {w.id}", w.id) for w in service.briefs.watches()]


def show(service: Service, wid: str | None) -> tuple[str, str]:
    """(the latest answer with what changed, its sources) of a watch."""
    if not wid:
        return "Pick a watch to see its latest answer and what changed.", ""
    try:
        runs = service.briefs.runs(wid, limit=1)
    except QAError as e:
        return html.escape(str(e)), ""
    if not runs:
        return "Not answered yet: press “Run now”.", ""
    run, esc = runs[0], html.escape
    key = f"w{wid}-{run.n}"
    ch = run.changes
    items = [f"<li class='qa-new'>New: {esc(s)}</li>" for s in ch.new_sentences]
    items += [f"<li class='qa-gone'>No longer said: {esc(s)}</li>" for s in ch.gone_sentences]
    items += [f"<li>Figures: {esc(ch.figures())}</li>"] if ch.figures() else []
    items += [f"<li>New outlets: {esc(', '.join(ch.new_outlets))}</li>"] if ch.new_outlets else []
    when = datetime.fromtimestamp(run.at).strftime("%Y-%m-%d %H:%M")
    body = (f"<h4>Run {run.n} · {when} · {esc(run.why)}</h4>"
            f"<p><b>What changed:</b> {esc(ch.summary())}</p>"
            + (f"<ul class='qa-changes'>{''.join(items)}</ul>" if items else "")
            + f"<p>{render_answer(run.answer, key)}</p>")
    return body, render_sources(run.answer, service.store, key)


def add(service: Service, question: str, webhook: str):
    import gradio as gr

    if not (question or "").strip():
        raise gr.Error("Type the question to watch first.")
    try:
        watch = service.briefs.add_watch(WatchRequest(question=question, webhook=webhook or ""))
    except QAError as e:
        raise gr.Error(str(e)) from None
    return watch.id


def watches_tab(service: Service) -> None:
    import gradio as gr

    gr.Markdown("Saved questions are answered again when new articles enter their evidence "
                "(uploads, feeds, the API) and when you press Run now. Subscribe to the changes "
                "in a feed reader: `/v1/watches/feed.atom`.")
    with gr.Row():
        question = gr.Textbox(label="Question to watch", scale=3, elem_id="qa-watch-question")
        webhook = gr.Textbox(label="Webhook URL (optional)", scale=2)
    with gr.Row():
        save = gr.Button("Watch this question", variant="primary")
        refresh = gr.Button("Refresh")
    table = gr.Dataframe(watch_rows(service), headers=["id", "question", "runs", "last run",
                                                       "last change", "webhook"],
                         interactive=False, label="Watches", elem_id="qa-watch-table")
    pick = gr.Dropdown(_choices(service), label="Watch", elem_id="qa-watch-pick")
    with gr.Row():
        with gr.Column(scale=3):
            latest = gr.HTML(elem_id="qa-watch-latest")
            with gr.Row():
                run = gr.Button("Run now")
                remove = gr.Button("Remove watch", variant="stop")
            download_row(service, pick, "qa-watch", "qa-watch-download", "history")
        with gr.Column(scale=2):
            sources = gr.HTML(elem_id="qa-watch-sources")

    def listed(wid):
        return watch_rows(service), gr.update(choices=_choices(service), value=wid), *show(service, wid)

    def run_now(wid):
        if not wid:
            raise gr.Error("Pick a watch first.")
        try:
            service.briefs.run_watch(wid)
        except QAError as e:
            raise gr.Error(str(e)) from None
        return listed(wid)

    def removed(wid):
        if wid:
            service.briefs.remove_watch(wid)
        return listed(None)
    outputs = [table, pick, latest, sources]
    save.click(lambda q, h: listed(add(service, q, h)), [question, webhook], outputs, api_name="add_watch")
    refresh.click(listed, pick, outputs, api_visibility="private")
    pick.change(lambda w: show(service, w), pick, [latest, sources], api_visibility="private")
    run.click(run_now, pick, outputs, api_name="run_watch")
    remove.click(removed, pick, outputs, api_visibility="private")
