"""The Gradio app: chat, summaries and library over the stored articles.

Citations render as clickable markers; a click shows, in the side panel, the article with
the cited sentence highlighted (client-side, by the script in HEAD). Sentences that failed
the citation check are removed or, in flag mode, struck through with the reason.
"""

from __future__ import annotations

import html
import os
import queue
import threading
from pathlib import Path

from qa.config import Settings
from qa.models import Answer

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
"""
UPLOAD_SUFFIXES = [".txt", ".md", ".html", ".htm", ".jsonl"]


def render_answer(ans, key: str) -> str:
    """The checked answer (or summary) as HTML with clickable citation markers."""
    if ans.refused:
        return f"<span class='qa-refusal'>{html.escape(ans.text)}</span>"
    return render_sentences(ans.sentences, key)


def render_sentences(sentences, key: str) -> str:
    """Shown sentences as HTML: citation markers that open their cited span; a gap in
    italics; an unsupported sentence (flag policy) struck through, with its reason."""
    esc = html.escape
    parts = []
    for s in sentences:
        if not s.shown:
            continue
        marks = "".join(
            f"<a class='qa-cite' href='#' data-key='{key}-{sp.start}-{sp.end}'>[{sp.n}]</a>"
            for sp in s.spans)
        if s.kind == "answer":
            parts.append(f"<b class='qa-direct'>{esc(s.text)}</b>")
        elif s.kind == "gap":
            parts.append(f"<i>{esc(s.text)}</i>")
        elif s.supported:
            parts.append(f"{esc(s.text)} {marks}")
        else:
            parts.append(f"<span class='qa-unsupported' title='{esc(s.reason)}'>{esc(s.text)}</span> {marks}")
    return " ".join(parts)


def render_sources(ans, store, key: str) -> str:
    """One hidden card per cited span: the article's title, outlet and date, and the span
    highlighted in its surrounding text. Clicking a marker shows its card."""
    esc = html.escape
    cards = []
    for c in ans.citations:
        text = store.text(c.article_id)
        lo, hi = max(0, c.start - 300), min(len(text), c.end + 300)
        cards.append(
            f"<div class='qa-source' data-key='{key}-{c.start}-{c.end}'>"
            f"<b>[{c.n}] {esc(c.title)}</b><br><small>{esc(c.source or 'unknown outlet')} · "
            f"{esc(c.published_at[:10] or 'no date')} · chars {c.start}–{c.end}</small>"
            f"<p>…{esc(text[lo:c.start])}<mark>{esc(text[c.start:c.end])}</mark>"
            f"{esc(text[c.end:hi])}…</p></div>")
    removed = [s for s in ans.sentences[(1 if ans.refused else 0):] if not s.supported and not s.shown]
    if removed:
        cards.append("<details><summary>Sentences removed by the citation check "
                     f"({len(removed)})</summary><ul>" + "".join(
                         f"<li>{esc(s.text)} <small>({esc(s.reason)})</small></li>"
                         for s in removed) + "</ul></details>")
    return "\n".join(cards)


def status_text(settings: Settings, store) -> str:
    from qa.config import EMBED_MODELS

    c = store.counts()
    return (f"**Model** `{settings.model}` · **Embedder** `{EMBED_MODELS[settings.embedder]}` · "
            f"**{c['articles']} articles, {c['chunks']} chunks** · every sentence is checked "
            "against its citation. The local model loads on the first question (a few seconds); "
            "questions are answered one at a time.")


def build(settings: Settings, store):
    import gradio as gr

    from qa.answer import ask, standalone_question
    from qa.ingest import ingest_upload
    from qa.retrieve import Filters
    from qa.summarize import summarize_article, summarize_query

    lock = threading.Lock()  # one model call at a time, whichever tab asks

    def respond(message: str, chat: list, pairs: list, sources: str, counter: int,
                source: str = "", since: str = "", until: str = ""):
        message = (message or "").strip()
        if not message:
            yield chat, pairs, sources, counter, ""
            return
        counter += 1
        key = f"a{counter}"
        chat = chat + [{"role": "user", "content": message},
                       {"role": "assistant", "content": "<span class='qa-writing'>…</span>"}]
        yield chat, pairs, sources, counter, "Thinking… (retrieving and checking the passages)"
        checked: queue.Queue = queue.Queue()
        box: dict = {}

        def work():
            try:
                with lock:
                    q = standalone_question(message, pairs, settings)
                    box["question"] = q
                    filters = Filters(source=source or None, since=since or None,
                                      until=until or None)
                    box["answer"] = ask(q, settings, store, filters=filters, on_sentence=checked.put)
            except Exception as e:  # shown to the user
                box["error"] = e
            checked.put(None)

        threading.Thread(target=work, daemon=True).start()
        shown = []
        while (sentence := checked.get()) is not None:
            shown.append(sentence)
            chat[-1]["content"] = render_sentences(shown, key) + " <span class='qa-writing'>…</span>"
            yield chat, pairs, sources, counter, "Writing: each sentence appears once it has passed its check"
        if "error" in box:
            chat[-1]["content"] = f"Error: {html.escape(str(box['error']))}"
            yield chat, pairs, sources, counter, "Failed"
            return
        ans: Answer = box["answer"]
        chat[-1]["content"] = render_answer(ans, key)
        pairs = pairs + [(message, ans.text)]
        note = "" if box["question"] == message else f"Searched for: {box['question']}"
        yield chat, pairs, render_sources(ans, store, key) + (sources or ""), counter, note

    def summarize(kind: str, article: str | None, query: str, source: str, since: str, until: str,
                  n: float = 4, progress=gr.Progress()):
        def tick(what: str) -> None:
            progress(0.5, desc=what)
        wanted = settings.model_copy(deep=True)
        wanted.summary.max_sentences = int(n or settings.summary.max_sentences)
        with lock:
            if kind == "Article":
                if not article:
                    raise gr.Error("Pick an article first.")
                s = summarize_article(article.rsplit(" · ", 1)[-1], wanted, store, progress=tick)
            else:
                if not query.strip():
                    raise gr.Error("Type a topic to summarise.")
                f = Filters(source=source or None, since=since or None, until=until or None)
                s = summarize_query(query, wanted, store, filters=f, progress=tick)
        key = f"s{abs(hash((kind, article, query)))}"
        facts = "".join(
            f"<li>{html.escape(f.text)}</li>" if f.kind == "figure" else
            f"<li>“{html.escape(f.text)}” — <b>{html.escape(f.speaker or 'unattributed')}</b></li>"
            for f in s.key_facts)
        body = (f"<h3>{html.escape(s.subject)}</h3><p>{render_answer(s, key)}</p>"
                f"<h4>Key facts</h4><ul>{facts}</ul>")
        return body, render_sources(s, store, key)

    def article_choices():
        return [f"{r['title'][:80]} · {r['id']}" for r in store.list_articles()]

    def library_rows():
        return [[r["id"], r["published_at"][:10], r["source"], r["title"], r["chunks"]]
                for r in store.list_articles()]

    def upload(files):
        if not files:
            raise gr.Error("Choose one or more files first.")
        lines = []
        for f in files:
            src = Path(getattr(f, "name", f))
            with lock:
                rep = ingest_upload(src.name, src, store)
            lines += [f"✓ {src.name}: added “{t}”" for t in rep.added]
            lines += [f"✓ {src.name}: replaced “{t}”" for t in rep.replaced]
            lines += [f"· {src.name}: “{t}” is already stored" for t in rep.skipped]
            lines += [f"✗ {e}" for e in rep.errors]
        return ("\n".join(lines), library_rows(), gr.update(choices=article_choices()),
                gr.update(choices=article_choices()), status_text(settings, store))

    def delete(choice: str | None):
        if not choice:
            raise gr.Error("Pick an article to delete.")
        store.delete_article(choice.rsplit(" · ", 1)[-1])
        return (f"Deleted: {choice}", library_rows(), gr.update(choices=article_choices(), value=None),
                gr.update(choices=article_choices()), status_text(settings, store))

    with gr.Blocks(title="qa — cited answers about news") as demo:
        gr.Markdown("## qa — answers and summaries with checked citations")
        status = gr.Markdown(status_text(settings, store), elem_id="qa-status")
        with gr.Tab("Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(label="Chat", height=460, sanitize_html=False, elem_id="qa-chat")
                    box = gr.Textbox(label="Question", placeholder="Ask about the articles…",
                                     elem_id="qa-question")
                    note = gr.Markdown(elem_id="qa-note")
                    with gr.Accordion("Filters", open=False):
                        with gr.Row():
                            f_source = gr.Textbox(label="Outlet", placeholder="e.g. The Verge")
                            f_since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD")
                            f_until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD")
                with gr.Column(scale=2):
                    gr.Markdown("### Sources\nClick a citation marker to see the passage.")
                    sources = gr.HTML(elem_id="qa-sources")
            pairs, counter = gr.State([]), gr.State(0)
            box.submit(respond, [box, chat, pairs, sources, counter, f_source, f_since, f_until],
                       [chat, pairs, sources, counter, note], api_name="ask").then(
                lambda: "", None, box, api_name=False)
        with gr.Tab("Summaries"):
            with gr.Row():
                with gr.Column(scale=3):
                    kind = gr.Radio(["Article", "Topic"], value="Article", label="Summarise")
                    pick = gr.Dropdown(article_choices(), label="Article")
                    topic = gr.Textbox(label="Topic (for a summary across articles)")
                    with gr.Row():
                        src = gr.Textbox(label="Outlet (optional)")
                        since = gr.Textbox(label="Since YYYY-MM-DD")
                        until = gr.Textbox(label="Until YYYY-MM-DD")
                    length = gr.Slider(1, 10, value=settings.summary.max_sentences, step=1,
                                       label="Sentences")
                    go = gr.Button("Summarise", variant="primary")
                    summary = gr.HTML(elem_id="qa-summary")
                with gr.Column(scale=2):
                    gr.Markdown("### Sources")
                    summary_sources = gr.HTML(elem_id="qa-summary-sources")
            go.click(summarize, [kind, pick, topic, src, since, until, length], [summary, summary_sources],
                     api_name="summarize")
        with gr.Tab("Library"):
            files = gr.File(label="Add articles (.txt .md .html .jsonl)", file_count="multiple",
                            file_types=UPLOAD_SUFFIXES, elem_id="qa-upload")
            add = gr.Button("Add to library", variant="primary")
            report = gr.Textbox(label="Result", lines=4, elem_id="qa-upload-report")
            table = gr.Dataframe(library_rows(), headers=["id", "date", "outlet", "title", "chunks"],
                                 interactive=False, label="Articles")
            with gr.Row():
                victim = gr.Dropdown(article_choices(), label="Article to delete")
                remove = gr.Button("Delete", variant="stop")
            add.click(upload, files, [report, table, victim, pick, status], api_name="upload")
            remove.click(delete, victim, [report, table, victim, pick, status], api_name="delete")
    return demo


def launch(settings: Settings, block: bool = True):
    from qa.ingest import open_store

    store = open_store(settings, notify=print)
    demo = build(settings, store)
    demo.queue(default_concurrency_limit=4)
    return demo.launch(server_name=settings.host, server_port=settings.port, show_error=True,
                       max_file_size=f"{settings.max_upload_mb}mb", auth=settings.auth_pairs(),
                       head=HEAD, css=CSS, prevent_thread_lock=not block)
