"""A Document (qa/briefs/document.py) written as Markdown, HTML or DOCX. Every reference
carries its title, outlet, date, URL and the quoted sentence, so the file stands on its own
when it leaves the app."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

from qa.briefs.document import Document, Reference
from qa.errors import BadInput

__all__ = ["FORMATS", "MEDIA_TYPES", "export", "format_of", "write"]

MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
FORMATS = tuple(MEDIA_TYPES)
_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".docx": "docx"}
_MARK = re.compile(r"\[(\d+)\]")


def format_of(path: Path | str) -> str:
    """The format a file name asks for, by its suffix."""
    fmt = _SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise BadInput(path, "export to a .md, .html or .docx file")
    return fmt


def export(doc: Document, fmt: str) -> bytes:
    """doc as a file of format fmt (md, html or docx)."""
    if fmt not in FORMATS:
        raise BadInput("export", f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "md":
        return markdown(doc).encode()
    if fmt == "html":
        return to_html(doc).encode()
    return docx(doc)


def write(doc: Document, path: Path) -> Path:
    """doc written to path, in the format its suffix names."""
    path.write_bytes(export(doc, format_of(path)))
    return path


def _source(r: Reference) -> str:
    return ", ".join(x for x in (r.outlet, r.date) if x)


def markdown(doc: Document) -> str:
    out = [f"# {doc.title}", ""]
    if doc.note:
        out += [f"_{doc.note}_", ""]
    for b in doc.blocks:
        if b.heading:
            out += [f"## {b.heading}", ""]
        if b.text:
            out += [b.text, ""]
        if b.items:
            out += [f"- {item}" for item in b.items] + [""]
    if doc.references:
        out += ["## Sources", ""]
    for r in doc.references:
        src = f" ({_source(r)})" if _source(r) else ""
        link = f"[{r.title}]({r.url})" if r.url else r.title
        out += [f"[{r.n}] {link}{src}", "", f"> {r.quote}", ""]
    return "\n".join(out)


def _marked(text: str) -> str:
    """Escaped text whose [n] marks link to their reference."""
    return _MARK.sub(r'<a href="#ref-\1">[\1]</a>', html.escape(text))


def to_html(doc: Document) -> str:
    e = html.escape
    body = [f"<h1>{e(doc.title)}</h1>"] + ([f"<p><em>{e(doc.note)}</em></p>"] if doc.note else [])
    for b in doc.blocks:
        body += [f"<h2>{e(b.heading)}</h2>"] if b.heading else []
        body += [f"<p>{_marked(b.text)}</p>"] if b.text else []
        if b.items:
            body.append("<ul>" + "".join(f"<li>{_marked(i)}</li>" for i in b.items) + "</ul>")
    if doc.references:
        body.append("<h2>Sources</h2><ol class=\"sources\">")
    for r in doc.references:
        title = f'<a href="{e(r.url)}">{e(r.title)}</a>' if r.url else e(r.title)
        src = f" ({e(_source(r))})" if _source(r) else ""
        body.append(f'<li id="ref-{r.n}" value="{r.n}">{title}{src}<blockquote>{e(r.quote)}'
                    "</blockquote></li>")
    body += ["</ol>"] if doc.references else []
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{e(doc.title)}</title></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def docx(doc: Document) -> bytes:
    import docx as python_docx

    d = python_docx.Document()
    d.core_properties.title = doc.title[:255]
    d.add_heading(doc.title, level=1)
    if doc.note:
        d.add_paragraph().add_run(doc.note).italic = True
    for b in doc.blocks:
        if b.heading:
            d.add_heading(b.heading, level=2)
        if b.text:
            d.add_paragraph(b.text)
        for item in b.items:
            d.add_paragraph(item, style="List Bullet")
    if doc.references:
        d.add_heading("Sources", level=2)
    for r in doc.references:
        p = d.add_paragraph(f"[{r.n}] ")
        p.add_run(r.title).bold = True
        if _source(r):
            p.add_run(f" ({_source(r)})")
        if r.url:
            p.add_run(f" {r.url}")
        d.add_paragraph(style="Quote").add_run(r.quote)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
