"""Loaders: files and folders -> Articles (qa.ingest.add chunks, embeds and stores them).

Supported: .txt and .md (an optional header of outlet / title / date / category lines before
the body), .html/.htm (main text by trafilatura), .jsonl (one article a line with the fields
title, source, author, category, published_at, url, text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from qa.errors import BadInput
from qa.index.chunking import content_hash
from qa.models import Article

SUFFIXES = {".txt", ".md", ".html", ".htm", ".jsonl"}
MAX_FILE_BYTES = 200 * 1024 * 1024  # a .txt/.md/.html file (a .jsonl is streamed)
MAX_ARTICLE_CHARS = 2_000_000  # one article; a long news story is ~50,000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152-\u2122]")  # UTF-8 read as cp1252
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%B %d %Y")
_HEADER_LINE_WORDS = 20  # a header line is short; a longer line is body
_SENTENCE_WORDS = 6  # ... and so is a sentence of this many words or more
_SENTENCE_ENDS = (".", "!", "?", '"', "”", "’", "'")
_HEADER_LINES = 6  # outlet, tagline, title, date, author, category


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """Every file under the given files and folders, sorted, each once (hidden files and
    folders inside a folder are left out). Unsupported types are yielded too, so that ingest
    reports them instead of passing over them in silence."""
    seen: set[Path] = set()
    for p in paths:
        if not p.exists():
            raise BadInput(p, "no such file or folder")
        files = sorted(f for f in p.rglob("*") if f.is_file() and not any(
            part.startswith(".") for part in f.relative_to(p).parts)) if p.is_dir() else [p]
        for f in files:
            if f.resolve() not in seen:
                seen.add(f.resolve())
                yield f


def load_file(path: Path) -> Iterator[Article | BadInput]:
    """Articles of one file; a bad jsonl line yields a BadInput and the rest go on."""
    return (item for item, _ in read_articles(path))


def read_articles(path: Path) -> Iterator[tuple[Article | BadInput, int]]:
    """(article or problem, bytes of the file read so far). A .jsonl is streamed line by
    line, so its size is not limited; other files are read whole (up to MAX_FILE_BYTES)."""
    suffix = path.suffix.lower()
    size = path.stat().st_size
    if suffix not in SUFFIXES:
        yield BadInput(path, f"unsupported file type {suffix!r}; use one of {sorted(SUFFIXES)}"), size
        return
    with path.open("rb") as fh:
        if b"\0" in fh.read(8192):
            yield BadInput(path, "looks binary (NUL bytes), not a text article"), size
            return
    if suffix == ".jsonl":
        yield from _load_jsonl(path)
        return
    if size > MAX_FILE_BYTES:
        yield BadInput(path, f"file is {size / 1e6:.0f} MB; the limit is {MAX_FILE_BYTES // 10**6} MB"), size
        return
    text = decode(path.read_bytes())
    try:
        if suffix in {".html", ".htm"}:
            yield _from_html(path, text), size
        else:
            yield _from_text(path, text), size
    except BadInput as e:
        yield e, size


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM); mostly-UTF-8 with a few bad bytes keeps the UTF-8 and
    drops the bad bytes; otherwise cp1252. Control and bidi characters are removed."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        latin = raw.decode("cp1252", errors="replace")
        if _MOJIBAKE.search(latin):  # valid UTF-8 sequences in it: UTF-8 with some bad bytes
            text = raw.decode("utf-8-sig", errors="replace").replace("\ufffd", "")
        else:
            text = latin
    return clean_text(text)


def clean_text(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def make_article(*, key: str, title: str, text: str, source: str = "", author: str = "",
                 category: str = "", published_at: str = "", url: str = "") -> Article:
    text = text.strip()
    if len(text) > MAX_ARTICLE_CHARS:
        raise BadInput(key, f"article text is {len(text) / 1e6:.1f} million characters; the limit "
                       f"is {MAX_ARTICLE_CHARS / 1e6:g} million: split it into articles")
    title = " ".join(title.split())[:300]
    return Article(id=content_hash(title, text), key=key, title=title, text=text,
                   source=source.strip(), author=author.strip(), category=category.strip(),
                   published_at=published_at.strip(), url=url.strip())


def _from_text(path: Path, text: str) -> Article:
    lines = text.split("\n")
    body_at = header_end(lines)
    header = [ln.strip().lstrip("#").strip() for ln in lines[:body_at] if ln.strip()]
    body = "\n".join(lines[body_at:]).strip()
    if not body:
        raise BadInput(path, "no text: the file is empty or has only header lines")
    meta = parse_header(header)
    title = meta.get("title") or path.stem.replace("-", " ").replace("_", " ")
    return make_article(key=str(path.resolve()), title=title, text=body,
                        source=meta.get("source", ""), category=meta.get("category", ""),
                        published_at=meta.get("published_at", ""))


def header_end(lines: list[str]) -> int:
    """Where the body starts: after the leading short lines (outlet, title, tagline, date,
    category) and before the first line that reads as prose: a long line, or a sentence of
    several words ("Transparent. Unbiased. Yours." is a tagline; "The council voted on
    Monday." is body). No header when there are more such lines than a header has, or
    nothing after them."""
    nonblank = 0
    for i, ln in enumerate(lines):
        words = ln.split()
        if not words:
            continue
        prose = len(words) > _HEADER_LINE_WORDS or (
            len(words) >= _SENTENCE_WORDS and ln.rstrip().endswith(_SENTENCE_ENDS))
        if prose:
            return i if nonblank <= _HEADER_LINES else 0
        nonblank += 1
    return 0
def parse_header(lines: list[str]) -> dict[str, str]:
    """Outlet, title, date and category from the short lines above an article's body.

    The first line is the outlet; a line that parses as a date is the date; `Categories:` or
    `Category:` gives the category; the title is the line just above the date (else the
    longest remaining line).
    """
    meta: dict[str, str] = {}
    rest: list[str] = []
    date_index = None
    for i, ln in enumerate(lines):
        low = ln.lower()
        if low.startswith(("categories:", "category:")):
            meta["category"] = ln.split(":", 1)[1].strip()
        elif low.startswith("title:"):
            meta["title"] = ln.split(":", 1)[1].strip()
        elif (d := parse_date(ln)) and "published_at" not in meta:
            meta["published_at"], date_index = d, i
        else:
            rest.append(ln)
    if len(lines) >= 2 and lines[0] in rest:
        meta["source"] = lines[0]
        rest.remove(lines[0])
    if "title" not in meta and rest:
        above = lines[date_index - 1] if date_index else None
        meta["title"] = above if above in rest else max(rest, key=len)
    return meta


def parse_date(text: str) -> str | None:
    text = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None


def _from_html(path: Path, html: str) -> Article:
    import trafilatura

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                      include_tables=False)
    body = (doc.text if doc is not None and not isinstance(doc, dict) else "") or ""
    if doc is None or isinstance(doc, dict) or not body.strip():
        raise BadInput(path, "no article text found in the HTML (is it a full page with a body?)")
    return make_article(key=str(path.resolve()), title=(doc.title or path.stem), text=clean_text(body),
                        source=doc.sitename or "", author=doc.author or "",
                        category=", ".join(doc.categories or []), published_at=doc.date or "",
                        url=doc.url or "")


def _load_jsonl(path: Path) -> Iterator[tuple[Article | BadInput, int]]:
    done = 0
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            done += len(raw)
            line = decode(raw)
            if line.strip():
                yield _from_json_line(f"{path}:{n}", path, line), done


def _from_json_line(where: str, path: Path, line: str) -> Article | BadInput:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as e:
        return BadInput(where, f"not valid JSON ({e.msg})")
    return from_row(where, str(path.resolve()), row)


def from_row(where: str, origin: str, row: object) -> Article | BadInput:
    if not isinstance(row, dict):
        return BadInput(where, "each article must be a JSON object")
    missing = [f for f in ("title", "text") if not str(row.get(f) or "").strip()]
    if missing:
        return BadInput(where, f"missing field(s) {', '.join(missing)}")
    pub = str(row.get("published_at") or "")
    try:
        return make_article(
            key=str(row.get("url") or f"{origin}#{row['title']}"),
            title=str(row["title"]), text=clean_text(str(row["text"])),
            source=str(row.get("source") or ""), author=str(row.get("author") or ""),
            category=str(row.get("category") or ""), published_at=parse_date(pub) or pub,
            url=str(row.get("url") or ""))
    except BadInput as e:
        return BadInput(where, e.problem)
