"""The app's Library tab: the stored articles, upload and delete, and the status line above
the tabs (its counts change with the library)."""

from __future__ import annotations

from pathlib import Path

from qa.errors import QAError
from qa.service.service import Service

UPLOAD_SUFFIXES = [".txt", ".md", ".html", ".htm", ".jsonl"]


def status_text(service: Service) -> str:
    from qa.modelservers import slots

    h = service.health()
    if h.model.startswith("local/"):
        model = ("The local model loads in the background as the app starts; questions are "
                 "answered one at a time.")
    else:
        model = f"Up to {slots(service.settings)} questions are answered at once."
    return (f"**Model** `{h.model}` · **Embedder** `{h.embedder}` · "
            f"**{h.articles} articles, {h.chunks} chunks** · every sentence is checked "
            f"against its citation. {model} API: [/docs](/docs).")


def article_choices(service: Service) -> list[str]:
    return [f"{r.title[:80]} · {r.id}" for r in service.articles()]


def library_rows(service: Service) -> list[list]:
    from collections import Counter

    rows = service.articles()
    size = Counter(r.copy_group for r in rows)
    return [[r.id, r.published_at[:10], r.source, r.title, r.chunks,
             r.copy_group if size[r.copy_group] > 1 else ""] for r in rows]


def upload(service: Service, files):
    import gradio as gr

    if not files:
        raise gr.Error("Choose one or more files first.")
    lines = []
    for f in files:
        src = Path(getattr(f, "name", f))
        rep = service.add_files([(src.name, src)])
        lines += [f"✓ {src.name}: added “{t}”" for t in rep.added]
        lines += [f"✓ {src.name}: replaced “{t}”" for t in rep.replaced]
        lines += [f"· {src.name}: “{t}” is already stored" for t in rep.skipped]
        lines += [f"✗ {e}" for e in rep.errors]
    return ("\n".join(lines), *library_updates(service))


def delete(service: Service, choice: str | None):
    import gradio as gr

    if not choice:
        raise gr.Error("Pick an article to delete.")
    try:
        service.delete(choice.rsplit(" · ", 1)[-1])
    except QAError as e:
        raise gr.Error(str(e)) from None
    return (f"Deleted: {choice}", *library_updates(service, clear=True))


def library_updates(service: Service, clear: bool = False) -> tuple:
    import gradio as gr

    choices = article_choices(service)
    victim = gr.update(choices=choices, value=None) if clear else gr.update(choices=choices)
    return library_rows(service), victim, gr.update(choices=choices), status_text(service)


def library_tab(service: Service, pick, status) -> list:
    """The tab's parts; returns the outputs that a change to the library updates."""
    import gradio as gr

    files = gr.File(label="Add articles (.txt .md .html .jsonl)", file_count="multiple",
                    file_types=UPLOAD_SUFFIXES, elem_id="qa-upload")
    add = gr.Button("Add to library", variant="primary")
    report = gr.Textbox(label="Result", lines=4, elem_id="qa-upload-report")
    table = gr.Dataframe(library_rows(service), headers=["id", "date", "outlet", "title", "chunks", "copies"],
                         interactive=False, label="Articles")
    with gr.Row():
        victim = gr.Dropdown(article_choices(service), label="Article to delete")
        remove = gr.Button("Delete", variant="stop")
    add.click(lambda f: upload(service, f), files, [report, table, victim, pick, status], api_name="upload")
    remove.click(lambda c: delete(service, c), victim, [report, table, victim, pick, status],
                 api_name="delete")
    return [report, table, victim, pick, status]
