"""Where articles live: texts and chunk spans in SQLite, vectors in Chroma, words in BM25.

The SQLite row of an article is the commit point. Vectors are written first; an article
whose row is missing (a crash between the two writes) is invisible to search and its
vectors are removed by `repair()` at the next ingest. The BM25 index and the catalogue follow
the chunks table through its change log (qa/index/lexicon.py), so they can never disagree with it.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

import numpy as np

from qa.config import Settings
from qa.index.chunking import chunk_article
from qa.index.copies import Copies
from qa.index.filters import Catalog, date_number
from qa.models import Article, Chunk, Passage

if TYPE_CHECKING:
    from qa.index.lexicon import Lexicon

Outcome = Literal["added", "replaced", "skipped"]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
  id TEXT PRIMARY KEY, key TEXT NOT NULL, title TEXT NOT NULL, source TEXT, author TEXT,
  category TEXT, published_at TEXT, url TEXT, text TEXT NOT NULL, added_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS articles_key ON articles(key);
CREATE TABLE IF NOT EXISTS chunks (
  id TEXT NOT NULL, index_key TEXT NOT NULL, article_id TEXT NOT NULL, idx INTEGER NOT NULL,
  start INTEGER NOT NULL, "end" INTEGER NOT NULL, PRIMARY KEY (index_key, id));
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(index_key, article_id);
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunk_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, index_key TEXT NOT NULL, chunk_id TEXT NOT NULL, op TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS chunk_added AFTER INSERT ON chunks BEGIN
  INSERT INTO chunk_log (index_key, chunk_id, op) VALUES (NEW.index_key, NEW.id, '+'); END;
CREATE TRIGGER IF NOT EXISTS chunk_removed AFTER DELETE ON chunks BEGIN
  INSERT INTO chunk_log (index_key, chunk_id, op) VALUES (OLD.index_key, OLD.id, '-'); END;
"""
_META_FIELDS = "id, key, title, source, author, category, published_at, url"


def _locked(method):
    """Run a Store method under the store's lock: the app's worker threads share one SQLite
    connection and the lazily built BM25 index and catalogue."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return wrapper


class Store:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.key = settings.index_key()
        self.dir = settings.data_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.db = sqlite3.connect(self.dir / "qa.sqlite3", check_same_thread=False)
        self.db.executescript(_SCHEMA)
        self.copies = Copies(self.db, settings.stories.copy_threshold, self.text)
        self._collection = None
        self._lexicon: Lexicon | None = None  # BM25 index + catalogue (qa/index/lexicon.py)

    # ---- Chroma -------------------------------------------------------------------------
    @property
    def collection(self):
        with self._lock:
            if self._collection is None:
                self._collection = self._open_collection()
            return self._collection

    def _open_collection(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.settings.chroma_url:
            from urllib.parse import urlparse

            u = urlparse(self.settings.chroma_url)
            client = chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or 8000,
                                         ssl=u.scheme == "https", settings=chroma_settings)
        else:
            client = chromadb.PersistentClient(path=str(self.dir / "chroma"), settings=chroma_settings)
        # Vectors are always computed by qa and passed in: no embedding function is stored.
        return client.get_or_create_collection(
            f"qa_{self.key}", embedding_function=None, configuration={"hnsw": {"space": "cosine"}})

    # ---- writing ------------------------------------------------------------------------
    def add_article(self, article: Article) -> tuple[Outcome, int]:
        """Store one article; unchanged -> skipped, same key with new text -> replaced."""
        return self.add_articles([article])[0]

    @_locked
    def add_articles(self, articles: list[Article]) -> list[tuple[Outcome, int]]:
        """Store a batch in one embedding pass, one Chroma write and one SQLite transaction.

        Per article: unchanged -> skipped; same key with a new text -> replaced. Ids and keys
        must be unique within the batch. The batch commits whole or not at all."""
        if len({a.id for a in articles}) < len(articles) or len({a.key for a in articles}) < len(articles):
            raise ValueError("add_articles: ids and keys must be unique within a batch")
        stored = set(self._existing("SELECT id FROM articles WHERE id IN ({})", [a.id for a in articles]))
        new = [a for a in articles if a.id not in stored]
        old = self._existing("SELECT key, id FROM articles WHERE key IN ({})", [a.key for a in new])
        old_keys = {k for k, _ in old}
        old_chunks = self._existing("SELECT id FROM chunks WHERE index_key=? AND article_id IN ({})",
                                    [i for _, i in old], self.key)
        chunks: dict[str, list[Chunk]] = {}
        if new:
            self._set_dirty(True)
            chunks = self._write_vectors(new)
            now = datetime.now(UTC).isoformat()
            with self.db:
                self.db.executemany(
                    f"INSERT INTO articles ({_META_FIELDS}, text, added_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [(a.id, a.key, a.title, a.source, a.author, a.category, a.published_at, a.url,
                      a.text, now) for a in new])
                self._insert_chunks([c for cs in chunks.values() for c in cs])
                for _, old_id in old:
                    self._delete_rows(old_id)
                self.copies.add([(a.id, a.text) for a in new])
            for i in range(0, len(old_chunks), 1000):
                self.collection.delete(ids=old_chunks[i:i + 1000])
            self._set_dirty(False)
            self._index_now()
        return [("skipped", 0) if a.id in stored else
                ("replaced" if a.key in old_keys else "added", len(chunks[a.id]))
                for a in articles]

    @_locked
    def _existing(self, sql: str, values: list[str], *params: str) -> list:
        """Rows of sql (whose `IN ({})` takes values, 500 at a time, after params)."""
        out: list = []
        for i in range(0, len(values), 500):
            part = values[i:i + 500]
            rows = self.db.execute(sql.format(",".join("?" * len(part))), [*params, *part]).fetchall()
            out += [r[0] if len(r) == 1 else r for r in rows]
        return out

    def _write_vectors(self, articles: list[Article]) -> dict[str, list[Chunk]]:
        """Chunk, embed (one pass over all the batch's chunks) and upsert to Chroma. Chunk ids
        are deterministic, so leftovers of a crashed attempt are overwritten, not doubled."""
        from qa.index.embed import embed_batch

        chunks = {a.id: chunk_article(a.id, a.text, self.settings.chunking) for a in articles}
        flat = [(a, c) for a in articles for c in chunks[a.id]]
        vectors = embed_batch([c.text for _, c in flat], self.settings.embed_batch_size,
                              self.settings.embedder)
        for i in range(0, len(flat), 1000):
            part = flat[i:i + 1000]
            self.collection.upsert(
                ids=[c.id for _, c in part], embeddings=vectors[i:i + 1000],
                metadatas=[{"article_id": a.id, "source": a.source, "category": a.category,
                            "published": date_number(a.published_at), "start": c.start, "end": c.end}
                           for a, c in part])
        return chunks

    def _insert_chunks(self, chunks: list[Chunk]) -> None:
        self.db.executemany(
            'INSERT OR REPLACE INTO chunks (id, index_key, article_id, idx, start, "end") '
            "VALUES (?,?,?,?,?,?)",
            [(c.id, self.key, c.article_id, c.index, c.start, c.end) for c in chunks])

    def sync(self) -> None:
        """Bring the indexes in step with the articles: drop orphans, index what is missing,
        find the copies of articles stored before copies were kept."""
        self.repair()
        self.index_missing()
        with self._lock, self.db:
            self.copies.add([(aid, self.text(aid)) for aid in self.copies.missing()])

    @_locked
    def index_missing(self, batch: int = 64) -> int:
        """Chunk and embed stored articles that have no chunks under the current settings
        (after a change of chunking or embedder). Returns how many were indexed."""
        rows = self.db.execute(
            "SELECT id, key, title, source, category, published_at, text FROM articles a "
            "WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.index_key=? AND c.article_id=a.id)",
            (self.key,)).fetchall()
        for i in range(0, len(rows), batch):
            articles = [Article(id=r[0], key=r[1], title=r[2], source=r[3] or "", category=r[4] or "",
                                published_at=r[5] or "", text=r[6]) for r in rows[i:i + batch]]
            chunks = self._write_vectors(articles)
            with self.db:
                self._insert_chunks([c for cs in chunks.values() for c in cs])
        self._index_now()
        return len(rows)

    @_locked
    def delete_article(self, article_id: str) -> bool:
        if not self._row("SELECT 1 FROM articles WHERE id=?", article_id):
            return False
        with self.db:
            self._delete_rows(article_id)
        self.collection.delete(where={"article_id": article_id})
        self._index_now()
        return True

    def _delete_rows(self, article_id: str) -> None:
        self.copies.remove(article_id)
        self.db.execute("DELETE FROM chunks WHERE article_id=?", (article_id,))
        self.db.execute("DELETE FROM articles WHERE id=?", (article_id,))

    @_locked
    def repair(self) -> int:
        """Remove vectors of articles that were never committed (crash mid-ingest)."""
        if not self._state("dirty"):
            return 0
        known = {r[0] for r in self.db.execute("SELECT id FROM chunks WHERE index_key=?",
                                               (self.key,))}
        stored = self.collection.get(include=[])["ids"]
        orphans = [i for i in stored if i not in known]
        for i in range(0, len(orphans), 1000):
            self.collection.delete(ids=orphans[i:i + 1000])
        self._set_dirty(False)
        return len(orphans)

    # ---- reading ------------------------------------------------------------------------
    def dense_search(self, vector: np.ndarray, k: int, where: dict | None = None,
                     among: list[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the k nearest chunks, optionally only among the
        given ids or those matching a Chroma `where`."""
        n = len(among) if among is not None else len(self.catalog())
        if n == 0 or k == 0:
            return []
        res = self.collection.query(query_embeddings=[vector.tolist()], n_results=min(k, n),
                                    where=where or None, ids=among, include=["distances"])
        return [(cid, 1.0 - d) for cid, d in zip(res["ids"][0], res["distances"][0])]

    def catalog(self) -> Catalog:
        """Committed chunks with their article's outlet, category and date (see qa.index.filters)."""
        return self.lexicon().catalog

    @_locked
    def vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        if not chunk_ids:
            return {}
        got = self.collection.get(ids=chunk_ids, include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"])}

    def bm25_search(self, query: str, k: int, mask: np.ndarray | None = None
                    ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the k best chunks; mask (over the catalogue's rows, from
        store.catalog()) keeps only the chunks a filter accepts (rows added since: none)."""
        from qa.index.bm25 import tokenize

        index = self.lexicon().index
        (tokens,) = tokenize([query])
        if not tokens or not len(index):
            return []
        scores = index.scores(tokens)
        if mask is not None:
            scores[:len(mask)] *= mask[:len(scores)]
            scores[len(mask):] = 0
        k = min(k, len(scores))
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        top = np.flatnonzero((scores >= kth) & (scores > 0))  # ties at the k-th kept, then cut
        best = sorted(top, key=lambda d: (-scores[d], index.ids[d]))[:k]
        return [(index.ids[d], float(scores[d])) for d in best]

    @_locked
    def lexicon(self) -> Lexicon:
        """The BM25 index and the catalogue, in step with the committed chunks (qa/index/lexicon.py:
        changes are applied from the store's change log, not rebuilt)."""
        from qa.index import lexicon

        self._lexicon = lexicon.current(self, self._lexicon)
        return self._lexicon

    def _index_now(self) -> None:
        """After a write: bring a loaded BM25 index and catalogue up to it now, so the next
        search pays nothing for it (an index not loaded yet catches up when first used)."""
        if self._lexicon is not None:
            self.lexicon()

    @_locked
    def chunk_rows(self, ids: list[str]) -> dict[str, tuple[str, str, str, str]]:
        """chunk id -> (text, outlet, category, published_at), for committed chunks."""
        rows = self._existing(
            'SELECT c.id, substr(a.text, c.start + 1, c."end" - c.start), a.source, a.category, '
            "a.published_at FROM chunks c JOIN articles a ON a.id = c.article_id "
            "WHERE c.index_key=? AND c.id IN ({})", ids, self.key)
        return {r[0]: (r[1], r[2] or "", r[3] or "", r[4] or "") for r in rows}

    def _all_chunk_texts(self) -> tuple[list[str], list[str]]:
        rows = self.db.execute(
            'SELECT c.id, substr(a.text, c.start + 1, c."end" - c.start) FROM chunks c '
            "JOIN articles a ON a.id = c.article_id WHERE c.index_key=? ORDER BY c.id",
            (self.key,)).fetchall()
        return [r[0] for r in rows], [r[1] for r in rows]

    @_locked
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

    @_locked
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

    @_locked
    def article(self, article_id: str) -> Article | None:
        row = self.db.execute(f"SELECT {_META_FIELDS}, text FROM articles WHERE id=?",
                              (article_id,)).fetchone()
        if not row:
            return None
        names = [*_META_FIELDS.split(", "), "text"]
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

    @_locked
    def text(self, article_id: str) -> str:
        row = self.db.execute("SELECT text FROM articles WHERE id=?", (article_id,)).fetchone()
        if not row:
            from qa.errors import NotFound

            raise NotFound(f"no article with id {article_id!r}; `qa list` shows the ids")
        return row[0]

    @_locked
    def list_articles(self) -> list[dict]:
        rows = self.db.execute(
            f"SELECT {', '.join('a.' + f for f in _META_FIELDS.split(', '))}, length(a.text), "
            "(SELECT count(*) FROM chunks c WHERE c.article_id=a.id AND c.index_key=?), "
            "(SELECT group_id FROM copies g WHERE g.article_id=a.id) "
            "FROM articles a ORDER BY a.published_at, a.title", (self.key,)).fetchall()
        names = [*_META_FIELDS.split(", "), "chars", "chunks", "copy_group"]
        return [dict(zip(names, r)) for r in rows]

    @_locked
    def counts(self) -> dict[str, int]:
        a = self._row("SELECT count(*) FROM articles")
        c = self._row("SELECT count(*) FROM chunks WHERE index_key=?", self.key)
        return {"articles": a, "chunks": c}

    # ---- state --------------------------------------------------------------------------
    @_locked
    def _row(self, sql: str, *args):
        r = self.db.execute(sql, args).fetchone()
        return r[0] if r else None

    def _state(self, name: str) -> str | None:
        return self._row("SELECT value FROM state WHERE name=?", name)

    def _set_state(self, name: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO state (name, value) VALUES (?, ?)", (name, value))

    @_locked
    def _set_dirty(self, dirty: bool) -> None:
        with self.db:
            self._set_state("dirty", "1" if dirty else "")

