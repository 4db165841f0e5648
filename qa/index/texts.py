"""The library's texts in SQLite: articles, their chunks' spans, copy groups and the store's
state; the SQLite row of an article is the commit point (qa.index.store writes, this reads).
A chunk's text is never stored twice: it is read as the span [start, end) of its article."""

from __future__ import annotations

import functools
import threading
import uuid

from qa.config import Settings
from qa.index.db import connect
from qa.models import Article, Passage

__all__ = ["Texts", "locked"]

_TABLES = """
CREATE TABLE IF NOT EXISTS articles (
  id TEXT PRIMARY KEY, key TEXT NOT NULL, title TEXT NOT NULL, source TEXT, author TEXT,
  category TEXT, published_at TEXT, url TEXT, text TEXT NOT NULL, added_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS articles_key ON articles(key);
CREATE TABLE IF NOT EXISTS chunks (
  id TEXT NOT NULL, index_key TEXT NOT NULL, article_id TEXT NOT NULL, idx INTEGER NOT NULL,
  start INTEGER NOT NULL, "end" INTEGER NOT NULL, PRIMARY KEY (index_key, id));
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(index_key, article_id);
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Every change to the chunks table is logged, whoever makes it (qa.index.lexicon follows the log).
_SQLITE_LOG = """
CREATE TABLE IF NOT EXISTS chunk_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, index_key TEXT NOT NULL, chunk_id TEXT NOT NULL, op TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS chunk_added AFTER INSERT ON chunks BEGIN
  INSERT INTO chunk_log (index_key, chunk_id, op) VALUES (NEW.index_key, NEW.id, '+'); END;
CREATE TRIGGER IF NOT EXISTS chunk_updated AFTER UPDATE ON chunks BEGIN
  INSERT INTO chunk_log (index_key, chunk_id, op) VALUES (NEW.index_key, NEW.id, '+'); END;
CREATE TRIGGER IF NOT EXISTS chunk_removed AFTER DELETE ON chunks BEGIN
  INSERT INTO chunk_log (index_key, chunk_id, op) VALUES (OLD.index_key, OLD.id, '-'); END;
"""
_POSTGRES_LOG = """
CREATE TABLE IF NOT EXISTS chunk_log (
  seq BIGSERIAL PRIMARY KEY, index_key TEXT NOT NULL, chunk_id TEXT NOT NULL, op TEXT NOT NULL);
CREATE OR REPLACE FUNCTION qa_log_chunk() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO chunk_log (index_key, chunk_id, op) VALUES (OLD.index_key, OLD.id, '-');
  ELSE
    INSERT INTO chunk_log (index_key, chunk_id, op) VALUES (NEW.index_key, NEW.id, '+');
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER chunk_logged AFTER INSERT OR UPDATE OR DELETE ON chunks
  FOR EACH ROW EXECUTE FUNCTION qa_log_chunk();
-- full-text search (QA_RETRIEVAL__LEXICAL=postgres): each chunk's words, from its article's span
ALTER TABLE chunks ADD COLUMN IF NOT EXISTS tsv tsvector;
CREATE INDEX IF NOT EXISTS chunks_tsv ON chunks USING GIN (tsv);
CREATE OR REPLACE FUNCTION qa_chunk_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.tsv := to_tsvector('english', (SELECT substr(a.text, NEW.start + 1, NEW."end" - NEW.start)
                                     FROM articles a WHERE a.id = NEW.article_id));
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER chunk_words BEFORE INSERT OR UPDATE ON chunks
  FOR EACH ROW EXECUTE FUNCTION qa_chunk_words();
"""
META_FIELDS = "id, key, title, source, author, category, published_at, url"


def locked(method):
    """Run a Store method under the store's lock: the app's worker threads share one SQLite
    connection and the lazily built BM25 index and catalogue."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return wrapper


class Texts:
    """Reads of the library's database (qa.index.db: SQLite, or PostgreSQL when QA_STORE_URL
    names one) under the current index key (chunkings and embedders each have their own
    chunk rows)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.key = settings.index_key()
        self.dir = settings.data_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.db = connect(settings.store_url, self.dir)
        self.db.script(_TABLES + _SQLITE_LOG, _TABLES + _POSTGRES_LOG)

    @locked
    def _existing(self, sql: str, values: list[str], *params: str) -> list:
        """Rows of sql (whose `IN ({})` takes values, 500 at a time, after params)."""
        out: list = []
        for i in range(0, len(values), 500):
            part = values[i:i + 500]
            rows = self.db.execute(sql.format(",".join("?" * len(part))), [*params, *part]).fetchall()
            out += [r[0] if len(r) == 1 else r for r in rows]
        return out

    @locked
    def chunk_rows(self, ids: list[str]) -> dict[str, tuple[str, str, str, str]]:
        """chunk id -> (text, outlet, category, published_at), for committed chunks."""
        rows = self._existing(
            'SELECT c.id, substr(a.text, c.start + 1, c."end" - c.start), a.source, a.category, '
            "a.published_at FROM chunks c JOIN articles a ON a.id = c.article_id "
            "WHERE c.index_key=? AND c.id IN ({})", ids, self.key)
        return {r[0]: (r[1], r[2] or "", r[3] or "", r[4] or "") for r in rows}

    def _all_chunk_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE index_key=? ORDER BY id",
                                              (self.key,)).fetchall()]

    def _all_chunk_texts(self) -> tuple[list[str], list[str]]:
        rows = self.db.execute(
            'SELECT c.id, substr(a.text, c.start + 1, c."end" - c.start) FROM chunks c '
            "JOIN articles a ON a.id = c.article_id WHERE c.index_key=? ORDER BY c.id",
            (self.key,)).fetchall()
        return [r[0] for r in rows], [r[1] for r in rows]

    @locked
    def passages(self, chunk_ids: list[str]) -> dict[str, Passage]:
        """Committed chunks by id, with their article's metadata (orphans are left out)."""
        out: dict[str, Passage] = {}
        for i in range(0, len(chunk_ids), 500):
            part = chunk_ids[i:i + 500]
            rows = self.db.execute(
                'SELECT c.id, c.article_id, c.start, c."end", a.title, a.source, a.published_at, '
                'substr(a.text, c.start + 1, c."end" - c.start), a.category FROM chunks c '
                "JOIN articles a ON a.id = c.article_id "
                f"WHERE c.index_key=? AND c.id IN ({','.join('?' * len(part))})",
                (self.key, *part)).fetchall()
            for cid, aid, s, e, title, source, pub, text, cat in rows:
                out[cid] = Passage(chunk_id=cid, article_id=aid, text=text, start=s, end=e,
                                   title=title, source=source or "", category=cat or "",
                                   published_at=pub or "")
        return out

    @locked
    def article_passages(self, article_id: str) -> list[Passage]:
        """All chunks of an article, in order."""
        ids = [r[0] for r in self.db.execute(
            "SELECT id FROM chunks WHERE index_key=? AND article_id=? ORDER BY idx",
            (self.key, article_id))]
        found = self.passages(ids)
        return [found[i] for i in ids if i in found]

    def find_articles(self, ref: str) -> list[dict]:
        """Articles whose id is ref, or whose title starts with it (case-blind)."""
        rows = self.list_articles()
        exact = [r for r in rows if r["id"] == ref]
        return exact or [r for r in rows if r["title"].lower().startswith(ref.lower().strip())]

    @locked
    def article(self, article_id: str) -> Article | None:
        row = self.db.execute(f"SELECT {META_FIELDS}, text FROM articles WHERE id=?",
                              (article_id,)).fetchone()
        if not row:
            return None
        names = [*META_FIELDS.split(", "), "text"]
        return Article(**{n: v or "" for n, v in zip(names, row)})

    def chunk_ids(self, article_ids: list[str]) -> dict[str, list[str]]:
        """article id -> its chunk ids under the current index, in order."""
        out: dict[str, list[str]] = {}
        for aid, cid in self._existing("SELECT article_id, id FROM chunks WHERE index_key=? AND "
                                       "article_id IN ({}) ORDER BY idx", article_ids, self.key):
            out.setdefault(aid, []).append(cid)
        return out

    def meta(self, article_ids: list[str]) -> dict[str, dict]:
        """article id -> {article_id, title, source, published_at}, for stored articles."""
        rows = self._existing("SELECT id, title, source, published_at FROM articles WHERE id IN ({})",
                              article_ids)
        return {r[0]: {"article_id": r[0], "title": r[1], "source": r[2] or "",
                       "published_at": r[3] or ""} for r in rows}

    @locked
    def text(self, article_id: str) -> str:
        row = self.db.execute("SELECT text FROM articles WHERE id=?", (article_id,)).fetchone()
        if not row:
            from qa.errors import NotFound

            raise NotFound(f"no article with id {article_id!r}; `qa list` shows the ids")
        return row[0]

    @locked
    def list_articles(self) -> list[dict]:
        rows = self.db.execute(
            f"SELECT {', '.join('a.' + f for f in META_FIELDS.split(', '))}, length(a.text), "
            "(SELECT count(*) FROM chunks c WHERE c.article_id=a.id AND c.index_key=?), "
            "(SELECT group_id FROM copies g WHERE g.article_id=a.id) "
            "FROM articles a ORDER BY a.published_at, a.title", (self.key,)).fetchall()
        names = [*META_FIELDS.split(", "), "chars", "chunks", "copy_group"]
        return [dict(zip(names, r)) for r in rows]

    @locked
    def counts(self) -> dict[str, int]:
        a = self._row("SELECT count(*) FROM articles")
        c = self._row("SELECT count(*) FROM chunks WHERE index_key=?", self.key)
        return {"articles": a, "chunks": c}

    @locked
    def store_id(self) -> str:
        """This library's id, made once with its database (names its vectors in a shared Chroma)."""
        with self.db.tx():
            self.db.execute("INSERT INTO state (name, value) VALUES ('store_id', ?) ON CONFLICT (name) "
                            "DO NOTHING", (uuid.uuid4().hex[:12],))
        return self._state("store_id") or ""

    # ---- state --------------------------------------------------------------------------
    @locked
    def _row(self, sql: str, *args):
        r = self.db.execute(sql, args).fetchone()
        return r[0] if r else None

    def _state(self, name: str) -> str | None:
        return self._row("SELECT value FROM state WHERE name=?", name)

    def _set_state(self, name: str, value: str) -> None:
        self.db.execute("INSERT INTO state (name, value) VALUES (?, ?) "
                        "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (name, value))

    @locked
    def _set_dirty(self, dirty: bool) -> None:
        with self.db.tx():
            self._set_state("dirty", "1" if dirty else "")

