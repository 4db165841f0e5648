"""The Gradio app: a chat over the stored articles with checked, clickable citations."""

from __future__ import annotations

import html
import os
import queue
import threading

from qa.config import Settings

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def render_sources(ans, store) -> str:
    """Each citation with its article and the cited span highlighted in context."""
    if ans.refused:
        reason = ans.sentences[0].reason if ans.sentences else ""
        return f"<p><b>Refused:</b> {html.escape(reason)}</p>"
    parts = []
    for c in ans.citations:
        text = store.text(c.article_id)
        lo, hi = max(0, c.start - 200), min(len(text), c.end + 200)
        parts.append(
            f"<div class='qa-source' id='source-{c.n}'><b>[{c.n}] {html.escape(c.title)}</b><br>"
            f"<small>{html.escape(c.source)} · {html.escape(c.published_at[:10])} · "
            f"chars {c.start}–{c.end}</small><p>…{html.escape(text[lo:c.start])}"
            f"<mark>{html.escape(text[c.start:c.end])}</mark>{html.escape(text[c.end:hi])}…</p></div>")
    flagged = [s for s in ans.sentences if not s.supported]
    if flagged:
        parts.append("<p><b>Removed as unsupported:</b></p><ul>" + "".join(
            f"<li>{html.escape(s.text)} <small>({html.escape(s.reason)})</small></li>"
            for s in flagged) + "</ul>")
    return "\n".join(parts)


def build(settings: Settings, store):
    import gradio as gr

    from qa.answer import ask

    def respond(message: str, history: list):
        history = history + [{"role": "user", "content": message},
                             {"role": "assistant", "content": ""}]
        tokens: queue.Queue = queue.Queue()
        box: dict = {}

        def work():
            try:
                box["answer"] = ask(message, settings, store, on_token=tokens.put)
            except Exception as e:  # shown to the user, not swallowed
                box["error"] = e
            tokens.put(None)

        threading.Thread(target=work, daemon=True).start()
        draft = ""
        while (piece := tokens.get()) is not None:
            draft += piece
            history[-1]["content"] = draft
            yield history, "<p><i>Checking citations…</i></p>"
        if "error" in box:
            history[-1]["content"] = f"Error: {box['error']}"
            yield history, ""
            return
        ans = box["answer"]
        history[-1]["content"] = ans.text
        yield history, render_sources(ans, store)

    counts = store.counts()
    with gr.Blocks(title="qa — cited answers about news") as demo:
        gr.Markdown(f"## qa\nAnswers from {counts['articles']} articles ({counts['chunks']} chunks), "
                    f"every sentence checked against its citation. Model: `{settings.model}`.")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Chat", height=420)
                box = gr.Textbox(label="Question", placeholder="Ask about the articles…")
            with gr.Column(scale=2):
                sources = gr.HTML(label="Sources")
        box.submit(respond, [box, chat], [chat, sources], api_name="ask").then(
            lambda: "", None, box)
    return demo


def launch(settings: Settings) -> None:
    from qa.cli import open_store

    store = open_store(settings)
    build(settings, store).queue(default_concurrency_limit=1).launch(
        server_name=settings.host, server_port=settings.port, show_error=True)
