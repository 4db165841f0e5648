"""Download buttons: an answer, a summary or a watch's history as a Markdown, HTML or Word
file with its citations (qa/service/briefs.py export), written to a temporary folder that
Gradio serves."""

from __future__ import annotations

import tempfile
from pathlib import Path

from qa.errors import QAError
from qa.service.service import Service

__all__ = ["download_row", "export_file"]

LABELS = {"Markdown (.md)": "md", "HTML (.html)": "html", "Word (.docx)": "docx"}


def export_file(service: Service, item, label: str, name: str) -> str:
    """item exported in the format label names; the file's path."""
    import gradio as gr

    if item is None:
        raise gr.Error("Nothing to download yet: ask a question (or make a summary) first.")
    fmt = LABELS.get(label, "md")
    try:
        data = service.briefs.export(item, fmt)
    except QAError as e:
        raise gr.Error(str(e)) from None
    path = Path(tempfile.mkdtemp(prefix="qa-export-")) / f"{name}.{fmt}"
    path.write_bytes(data)
    return str(path)


def download_row(service: Service, item, name: str, elem_id: str, what: str = "answer") -> None:
    """A format choice, a button and the file it makes, for the item held in `item` (a
    gr.State, or any component whose value export() takes)."""
    import gradio as gr

    with gr.Row(elem_id=elem_id):
        fmt = gr.Dropdown(list(LABELS), value="Word (.docx)", label="Format", scale=1)
        go = gr.Button(f"Download the {what} with its citations", scale=2)
        out = gr.File(label="File", scale=2, interactive=False)
    go.click(lambda it, f: export_file(service, it, f, name), [item, fmt], out, api_visibility="private")
