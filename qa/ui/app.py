"""The Gradio app: chat, summaries, stories and library over the stored articles.

Citations render as clickable markers; a click shows, in the side panel, the article with
the cited sentence highlighted (client-side, by the script in HEAD). Sentences that failed
the citation check are removed or, in flag mode, struck through with the reason.
"""

from __future__ import annotations

import html
import os

from pydantic import ValidationError

from qa.check.support import describe
from qa.errors import QAError, explain
from qa.index.filters import Filters
from qa.models import Answer
from qa.service.schemas import AskRequest, SummarizeRequest, Turn
from qa.service.service import Service
from qa.ui.downloads import download_row
from qa.ui.library import article_choices, library_tab, status_text
from qa.ui.render import render_answer, render_sentences, render_sources

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

HEAD = """<script>
document.addEventListener('click', (e) => {
  const a = e.target.closest('.qa-cite');
  if (!a) return;
  e.preventDefault();
  const key = a.dataset.key;
  document.querySelectorAll('.qa-source').forEach(
    (el) => el.classList.toggle('qa-active', el.dataset.key === key));
  const t = document.querySelector(`.qa-source[data-key="${key}"]`);
  if (t) t.scrollIntoView({block: 'nearest'});
});
</script>"""
CSS = """
.qa-source {display: none; border-left: 3px solid #e0a800; padding: 4px 10px; margin: 6px 0}
.qa-source.qa-active {display: block}
.qa-source mark {background: #ffe27a}
.qa-source p {white-space: pre-wrap}
.qa-cite {cursor: pointer; color: #1a5fb4; text-decoration: none; font-weight: 600}
.qa-unsupported {text-decoration: line-through; color: #a33}
.qa-refusal {font-style: italic}
.qa-timeline td {vertical-align: top; padding: 4px 8px}
"""



def respond(service: Service, message: str, chat: list, pairs: list, sources: str, counter: int,
            source: str = "", since: str = "", until: str = ""):
    """The chat handler: progress, then each checked sentence as it comes, then the answer
    with its sources; yields (chat, pairs, sources, counter, note, the answer or None)."""
    import gradio as gr

    message = (message or "").strip()
    if not message:
        yield chat, pairs, sources, counter, "", None
        return
    try:
        req = AskRequest(question=message, history=[Turn(question=q, answer=a) for q, a in pairs],
                         filters=Filters(source=source, since=since, until=until))
    except ValidationError as e:
        raise gr.Error(explain(e)) from None
    counter += 1
    key = f"a{counter}"
    chat = chat + [{"role": "user", "content": message},
                   {"role": "assistant", "content": "<span class='qa-writing'>…</span>"}]
    yield chat, pairs, sources, counter, "Thinking… (retrieving and checking the passages)", None
    shown: list = []
    for event in service.stream_ask(req):
        if event.event == "progress":
            yield chat, pairs, sources, counter, event.message[:1].upper() + event.message[1:] + "…", None
        elif event.event == "sentence":
            shown.append(event.sentence)
            chat[-1]["content"] = render_sentences(shown, key) + " <span class='qa-writing'>…</span>"
            yield (chat, pairs, sources, counter,
                   "Writing: each sentence appears once it has passed its check", None)
        elif event.event == "error":
            chat[-1]["content"] = f"Error: {html.escape(event.message)}"
            yield chat, pairs, sources, counter, "Failed", None
        elif event.answer is not None:
            ans: Answer = event.answer
            chat[-1]["content"] = render_answer(ans, key)
            note = f"Searched for: {ans.searched_for}. " if ans.searched_for else ""
            how = describe(ans.checked_by)
            note += f"{how[:1].upper()}{how[1:]}." if ans.checked_by else ""
            if ans.refused and ans.sentences:
                note = f"Why: {ans.sentences[0].reason}. {note}".strip()
            yield (chat, pairs + [(message, ans.text)],
                   render_sources(ans, service.store, key) + (sources or ""), counter, note, ans)


def summarize(service: Service, kind: str, article: str | None, query: str, source: str, since: str,
              until: str, n: float = 4, progress=None):
    """The summaries handler: (summary HTML, sources HTML, the summary)."""
    import gradio as gr

    def tick(what: str) -> None:
        if progress is not None:
            progress(0.5, desc=what)
    if kind == "Article" and not article:
        raise gr.Error("Pick an article first.")
    if kind != "Article" and not (query or "").strip():
        raise gr.Error("Type a topic to summarise.")
    try:
        req = SummarizeRequest(article=article.rsplit(" · ", 1)[-1] if kind == "Article" and article
                               else None, query=None if kind == "Article" else query,
                               filters=Filters(source=source, since=since, until=until),
                               sentences=int(n or 0) or None)  # 0: as the article's length suggests
        s = service.summarize(req, progress=tick)
    except (ValidationError, QAError) as e:
        raise gr.Error(str(e)) from None
    key = f"s{abs(hash((kind, article, query)))}"
    facts = "".join(
        f"<li{' class=qa-stated' if f.in_summary else ''}>{'✓ ' if f.in_summary else ''}"
        + (html.escape(f.text) if f.kind == "figure" else
           f"“{html.escape(f.text)}” — <b>{html.escape(f.speaker or 'unattributed')}</b>") + "</li>"
        for f in s.key_facts)
    body = (f"<h3>{html.escape(s.subject)}</h3><p>{render_answer(s, key)}</p>"
            f"<h4>Key facts <small>(✓ stated in the summary: {s.facts_stated()} of "
            f"{len(s.key_facts)})</small></h4>"
            f"<ul>{facts}</ul>")
    return body, render_sources(s, service.store, key), s


def build(service: Service):
    """The Blocks: Chat, Summaries, Stories, Watches and Library tabs over one service."""
    import gradio as gr

    with gr.Blocks(title="qa — cited answers about news") as demo:
        gr.Markdown("## qa — answers and summaries with checked citations")
        status = gr.Markdown(status_text(service), elem_id="qa-status")
        with gr.Tab("Chat"):
            _chat_tab(service)
        with gr.Tab("Summaries"):
            pick = _summary_tab(service)
        with gr.Tab("Stories"):
            from qa.ui.stories import stories_tab

            stories_tab(service)
        with gr.Tab("Watches"):
            from qa.ui.watches import watches_tab

            watches_tab(service)
        with gr.Tab("Library"):
            from qa.ui.feeds import feeds_panel

            feeds_panel(service, library_tab(service, pick, status))
    return demo


def _chat_tab(service: Service) -> None:
    import gradio as gr

    with gr.Row():
        with gr.Column(scale=3):
            chat = gr.Chatbot(label="Chat", height=460, sanitize_html=False, elem_id="qa-chat")
            box = gr.Textbox(label="Question", placeholder="Ask about the articles…", elem_id="qa-question")
            note = gr.Markdown(elem_id="qa-note")
            with gr.Accordion("Filters", open=False):
                with gr.Row():
                    f_source = gr.Textbox(label="Outlet", placeholder="e.g. The Verge")
                    f_since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD")
                    f_until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD")
        with gr.Column(scale=2):
            gr.Markdown("### Sources\nClick a citation marker to see the passage.")
            sources = gr.HTML(elem_id="qa-sources")
    pairs, counter, last = gr.State([]), gr.State(0), gr.State(None)
    download_row(service, last, "qa-answer", "qa-answer-download")

    def on_ask(message, chat_, pairs_, sources_, counter_, last_, source="", since="", until=""):
        for *out, ans in respond(service, message, chat_, pairs_, sources_, counter_, source, since, until):
            yield *out, ans or last_

    box.submit(on_ask, [box, chat, pairs, sources, counter, last, f_source, f_since, f_until],
               [chat, pairs, sources, counter, note, last], api_name="ask").then(
        lambda: "", None, box, api_name=False)


def _summary_tab(service: Service):
    import gradio as gr

    with gr.Row():
        with gr.Column(scale=3):
            kind = gr.Radio(["Article", "Topic"], value="Article", label="Summarise")
            pick = gr.Dropdown(article_choices(service), label="Article")
            topic = gr.Textbox(label="Topic (for a summary across articles)")
            with gr.Row():
                src = gr.Textbox(label="Outlet (optional)")
                since = gr.Textbox(label="Since YYYY-MM-DD")
                until = gr.Textbox(label="Until YYYY-MM-DD")
            length = gr.Slider(0, 10, value=0, step=1,
                               label="Sentences (0: as the article's length suggests)")
            go = gr.Button("Summarise", variant="primary")
            summary = gr.HTML(elem_id="qa-summary")
            made = gr.State(None)
            download_row(service, made, "qa-summary", "qa-summary-download", "summary")
        with gr.Column(scale=2):
            gr.Markdown("### Sources")
            summary_sources = gr.HTML(elem_id="qa-summary-sources")

    def on_summarize(kind_, article, query, source, since_, until_, n=4, progress=gr.Progress()):
        return summarize(service, kind_, article, query, source, since_, until_, n, progress)

    go.click(on_summarize, [kind, pick, topic, src, since, until, length],
             [summary, summary_sources, made], api_name="summarize")
    return pick


def mount(app, service: Service):
    """The browser app mounted at / of the API's FastAPI app (one server, one port)."""
    import gradio as gr

    demo = build(service)
    demo.queue(default_concurrency_limit=4)
    settings = service.settings
    app = gr.mount_gradio_app(app, demo, path="/", auth=settings.auth_pairs(), show_error=True,
                              max_file_size=f"{settings.max_upload_mb}mb", head=HEAD, css=CSS)
    # Gradio refuses a file a client names by its server path ("not uploaded by a user") only
    # in an app it launched itself: gradio 6.31's check returns early unless `has_launched`,
    # which mount_gradio_app never sets. Without this, the upload box would read any server
    # file (tests/test_security.py::test_upload_cannot_name_a_server_path).
    demo.has_launched = True
    return app
