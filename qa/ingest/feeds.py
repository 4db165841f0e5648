"""Feeds: RSS 0.9x/1.0/2.0 and Atom subscriptions, polled into articles.

Each entry becomes an article: outlet = the feed's title (or its site's host), title, author,
date (the entry's published/updated time, else the linked page's date by htmldate), url,
category (the entry's tags); the text is the linked page's main text (trafilatura), or the
entry's own content when the page has none or cannot be fetched.

The poll state lives in DATA_DIR/feeds.sqlite3 (or in the PostgreSQL store, QA_STORE_URL):
per feed its ETag / Last-Modified (sent back: an unchanged feed costs one 304), per entry a
digest of what the feed says of it. An entry whose digest is unchanged adds nothing and
fetches nothing; a changed one is fetched and replaces its article (the store replaces by
key = url). The order makes a kill mid-poll harmless: articles are stored first, then their
entries are marked seen, and the feed's ETag is saved only once every entry is through; a
rerun re-reads what was not marked, and the store skips an article it already holds.
"""

from __future__ import annotations

import hashlib
import re
import time
from calendar import timegm
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from qa.config import Settings
from qa.errors import BadInput, NotFound, QAError
from qa.index.db import connect
from qa.ingest.add import store_articles
from qa.ingest.fetch import FetchError, check_url, fetch
from qa.ingest.files import clean_text, decode, make_article
from qa.models import Article

__all__ = ["Feed", "FeedBook", "PollReport", "parse_every", "poll", "poll_due"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
  url TEXT PRIMARY KEY, title TEXT NOT NULL DEFAULT '', every INTEGER NOT NULL,
  etag TEXT NOT NULL DEFAULT '', modified TEXT NOT NULL DEFAULT '', added_at DOUBLE PRECISION NOT NULL,
  last_poll DOUBLE PRECISION, last_ok DOUBLE PRECISION, last_error TEXT NOT NULL DEFAULT '',
  last_new INTEGER NOT NULL DEFAULT 0, articles INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS entries (
  feed TEXT NOT NULL, entry TEXT NOT NULL, digest TEXT NOT NULL, article_id TEXT,
  seen_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (feed, entry));
"""
_EVERY = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")


class Feed(BaseModel):
    url: str
    title: str = ""
    every: int = Field(description="Seconds between polls.")
    etag: str = ""
    modified: str = ""
    added_at: float
    last_poll: float | None = None
    last_ok: float | None = None
    last_error: str = ""
    last_new: int = Field(0, description="Articles the last poll added or replaced.")
    articles: int = Field(0, description="Articles this feed has added or replaced in all.")

    def due(self, now: float) -> bool:
        return self.last_poll is None or now - self.last_poll >= self.every


class PollReport(BaseModel):
    feed: str
    not_modified: bool = Field(False, description="The server said 304: nothing changed.")
    added: list[str] = Field(default_factory=list)
    replaced: list[str] = Field(default_factory=list)
    unchanged: int = Field(0, description="Entries seen before, unchanged: nothing fetched.")
    errors: list[str] = Field(default_factory=list, description="'feed [entry]: what is wrong'")
    new_ids: list[str] = Field(default_factory=list, description="Ids of the articles added or replaced.")


def parse_every(text: str | None, default: int) -> int:
    """'15m', '1h', '90s', '2d' or plain seconds -> seconds (at least 60)."""
    if not text:
        return default
    m = _EVERY.match(text)
    if not m:
        raise QAError(f"--every {text!r}: write a number with s, m, h or d, e.g. 15m")
    seconds = int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    if seconds < 60:
        raise QAError(f"--every {text!r}: poll at most once a minute")
    return seconds


class FeedBook:
    """The subscriptions and what has been seen of them (DATA_DIR/feeds.sqlite3, or the
    PostgreSQL store)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.db = connect(settings.store_url, Path(settings.data_dir), "feeds.sqlite3")
        self.db.script(_SCHEMA)

    def add(self, url: str, every: int | None = None) -> Feed:
        url = url.strip()
        check_url(url, self.settings.feeds_allow_private)
        with self.db.tx():
            self.db.execute("INSERT INTO feeds (url, every, added_at) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                            (url, every or self.settings.feeds.every, time.time()))
            if every:
                self.db.execute("UPDATE feeds SET every=? WHERE url=?", (every, url))
        return self.get(url)

    def remove(self, url: str) -> None:
        feed = self.get(url)
        with self.db.tx():
            self.db.execute("DELETE FROM entries WHERE feed=?", (feed.url,))
            self.db.execute("DELETE FROM feeds WHERE url=?", (feed.url,))

    def get(self, url: str) -> Feed:
        row = self.db.execute(f"SELECT {', '.join(Feed.model_fields)} FROM feeds WHERE url=?",
                              (url.strip(),)).fetchone()
        if row is None:
            raise NotFound(f"no feed {url!r}; `qa feeds list` shows them")
        return Feed(**dict(zip(Feed.model_fields, row)))

    def all(self) -> list[Feed]:
        rows = self.db.execute(f"SELECT {', '.join(Feed.model_fields)} FROM feeds ORDER BY added_at")
        return [Feed(**dict(zip(Feed.model_fields, r))) for r in rows]

    def seen(self, feed: str, entry: str) -> str | None:
        row = self.db.execute("SELECT digest FROM entries WHERE feed=? AND entry=?", (feed, entry)).fetchone()
        return row[0] if row else None

    def mark(self, feed: str, marks: list[tuple[str, str, str | None]]) -> None:
        """Entries (id, digest, article id) as seen, in one transaction."""
        with self.db.tx():
            self.db.executemany("INSERT INTO entries (feed, entry, digest, article_id, seen_at) "
                                "VALUES (?,?,?,?,?) ON CONFLICT (feed, entry) DO UPDATE SET "
                                "digest = excluded.digest, article_id = excluded.article_id, "
                                "seen_at = excluded.seen_at",
                                [(feed, e, d, a, time.time()) for e, d, a in marks])

    def finish(self, feed: str, report: PollReport, fetched=None, title: str = "") -> None:
        """After a poll: the feed's validators (only now, once every entry is through), when,
        what it added and its error."""
        new = len(report.added) + len(report.replaced)
        failed = bool(report.errors) and fetched is None and not report.not_modified
        with self.db.tx():
            self.db.execute("UPDATE feeds SET last_poll=?, last_error=?, last_new=?, articles=articles+? "
                            "WHERE url=?", (time.time(), "; ".join(report.errors)[:2000], new, new, feed))
            if not failed:
                self.db.execute("UPDATE feeds SET last_ok=? WHERE url=?", (time.time(), feed))
            if fetched is not None:
                self.db.execute("UPDATE feeds SET etag=?, modified=?, title=CASE WHEN ?='' THEN title "
                                "ELSE ? END WHERE url=?",
                                (fetched.etag, fetched.modified, title, title, feed))


def _get(settings: Settings, url: str, etag: str = "", modified: str = ""):
    f = settings.feeds
    return fetch(url, timeout=f.timeout, max_bytes=int(f.max_mb * 1e6), max_redirects=f.max_redirects,
                 allow_private=settings.feeds_allow_private, etag=etag, modified=modified)


def poll(book: FeedBook, url: str, store) -> PollReport:
    """Fetch one feed (conditionally) and store its new and changed entries."""
    import feedparser

    feed = book.get(url)
    report = PollReport(feed=feed.url)
    try:
        got = _get(book.settings, feed.url, feed.etag, feed.modified)
    except FetchError as e:
        report.errors.append(str(e))
        book.finish(feed.url, report)
        return report
    if got.status == 304:
        report.not_modified = True
        book.finish(feed.url, report)
        return report
    parsed = feedparser.parse(got.body, response_headers={"content-location": got.url,
                                                          "content-type": got.content_type})
    if not parsed.entries:
        report.errors.append(f"{feed.url}: {_not_a_feed(parsed, got)}")
        book.finish(feed.url, report)
        return report
    if parsed.bozo and not isinstance(parsed.get("bozo_exception"), _benign()):
        report.errors.append(f"{feed.url}: malformed feed ({parsed.get('bozo_exception')}); "
                             f"{len(parsed.entries)} entries read")
    outlet = parsed.feed.get("title") or urlsplit(got.url).hostname or ""
    _store_entries(book, feed.url, parsed.entries, outlet, store, report)
    book.finish(feed.url, report, got, parsed.feed.get("title", ""))
    return report


def _benign():
    """feedparser's complaints about a readable feed (a missing XML media type, an encoding
    declared one way and served another): not worth reporting."""
    import feedparser

    return (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)


def _not_a_feed(parsed, got) -> str:
    head = got.body[:2000].lower()
    if b"<html" in head or "html" in got.content_type:
        return "not a feed: the URL returns an HTML page (look for its RSS or Atom link)"
    if parsed.bozo:
        return f"not a readable feed ({parsed.get('bozo_exception')})"
    return "the feed has no entries"


def _store_entries(book: FeedBook, feed: str, entries, outlet: str, store, report: PollReport) -> None:
    todo: list[tuple[str, str, Article]] = []
    marks: list[tuple[str, str, str | None]] = []
    for entry in entries:
        eid = entry.get("id") or entry.get("link") or _digest(entry.get("title", ""), _content(entry))
        digest = _digest(entry.get("title", ""), _content(entry), dict.get(entry, "updated", ""),
                         entry.get("link", ""))  # dict.get: feedparser maps a missing `updated`
        if book.seen(feed, eid) == digest:
            report.unchanged += 1
            continue
        try:
            todo.append((eid, digest, entry_article(book.settings, feed, eid, entry, outlet)))
        except (BadInput, FetchError) as e:
            report.errors.append(f"{feed} entry {eid[:120]!r}: {getattr(e, 'problem', e)}")
            marks.append((eid, digest, None))  # not retried until the feed changes the entry
    outcomes: list[str] = []  # ingest's batching: two entries of one url or text are stored in turn
    store_articles(((a, 0) for _, _, a in todo), store, on_stored=lambda _, outcome: outcomes.append(outcome))
    for (eid, digest, article), outcome in zip(todo, outcomes):
        if outcome in ("added", "replaced"):
            getattr(report, outcome).append(article.title)
            report.new_ids.append(article.id)
        marks.append((eid, digest, article.id))
    book.mark(feed, marks)


def entry_article(settings: Settings, feed: str, eid: str, entry, outlet: str) -> Article:
    """The article an entry stands for: its linked page's text, else its own content."""
    link = entry.get("link", "")
    page = _page(settings, link) if link and settings.feeds.pages else None
    text = (page or {}).get("text") or _plain(_content(entry))
    if not text.strip():
        raise BadInput(feed, "no text: the entry has no content and its page none that can be read")
    title = entry.get("title") or (page or {}).get("title") or text[:80]
    tags = ", ".join(t.get("term", "") for t in entry.get("tags", []) if t.get("term"))
    return make_article(key=link or f"feed:{feed}#{eid}", title=title, text=clean_text(text),
                        source=outlet, author=entry.get("author", "") or (page or {}).get("author", ""),
                        category=tags, published_at=_date(entry) or (page or {}).get("date", ""),
                        url=link)


def _page(settings: Settings, link: str) -> dict | None:
    """{text, title, author, date} of the linked page, or None when it can't be read (the
    entry's own content is used then)."""
    import trafilatura

    try:
        got = _get(settings, link)
    except FetchError:
        return None
    doc = trafilatura.bare_extraction(decode(got.body), url=got.url, with_metadata=True,
                                      include_comments=False, include_tables=False)
    if doc is None or isinstance(doc, dict) or not (doc.text or "").strip():
        return None
    return {"text": doc.text, "title": doc.title or "", "author": doc.author or "", "date": doc.date or ""}


def _content(entry) -> str:
    parts = entry.get("content") or []
    return (parts[0].get("value", "") if parts else "") or entry.get("summary", "")


def _plain(html: str) -> str:
    import trafilatura

    if "<" not in html:
        return html
    return trafilatura.html2txt(html) or ""


def _date(entry) -> str:
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        t = dict.get(entry, field)  # no feedparser fallback from one to another
        if t:
            return datetime.fromtimestamp(timegm(t), tz=UTC).isoformat()
    return ""


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def poll_due(book: FeedBook, store, now: float | None = None) -> list[PollReport]:
    """Poll every feed whose interval has passed."""
    now = time.time() if now is None else now
    return [poll(book, f.url, store) for f in book.all() if f.due(now)]
