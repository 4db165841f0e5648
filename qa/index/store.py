"""Where articles live: texts and chunk spans in the database (SQLite, or PostgreSQL shared by
several processes: qa.index.db), vectors in Chroma, words in BM25.

The database row of an article is the commit point. Vectors are written first; an article
whose row is missing (a crash between the two writes) is invisible to search and its
vectors are removed by `repair()` at the next ingest. The BM25 index and the catalogue follow
the chunks table through its change log (qa/index/lexicon.py), so they can never disagree with it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

import numpy as np

from qa.config import Settings
from qa.index.chunking import chunk_article
from qa.index.copies import Copies
from qa.index.filters import Catalog, date_number
from qa.index.texts import META_FIELDS, Texts, locked
from qa.index.vectors import Vectors
from qa.models import Article, Chunk

if TYPE_CHECKING:
    from qa.index.lexicon import Lexicon

Outcome = Literal["added", "replaced", "skipped"]


class Store(Texts):
    """The library: its texts (qa.index.texts, the commit point), the chunk vectors in Chroma
    (qa.index.vectors), and the BM25 index and catalogue kept in step with them
    (qa.index.lexicon); writes go through here, in the order that keeps them consistent."""

    def __init__(self, settings: Settings):
        super().__init__(settings)
        self.copies = Copies(self.db, settings.stories.copy_threshold, self.text)
        # a shared store's vectors are named for it too: two libraries can share a Chroma server
        self.chroma = Vectors(settings, self.dir, f"{self.key}_{self.store_id()}" if settings.store_url
                              else self.key)
        self._lexicon: Lexicon | None = None  # BM25 index + catalogue (qa/index/lexicon.py)

    # ---- writing ------------------------------------------------------------------------
    def add_article(self, article: Article) -> tuple[Outcome, int]:
        """Store one article; unchanged -> skipped, same key with new text -> replaced."""
        return self.add_articles([article])[0]

    @locked
    def add_articles(self, articles: list[Article]) -> list[tuple[Outcome, int]]:
        """Store a batch in one embedding pass, one Chroma write and one database transaction.

        Per article: unchanged -> skipped; same key with a new text -> replaced. Ids and keys
        must be unique within the batch. The batch commits whole or not at all."""
        if len({a.id for a in articles}) < len(articles) or len({a.key for a in articles}) < len(articles):
            raise ValueError("add_articles: ids and keys must be unique within a batch")
        ids = [a.id for a in articles]
        if len(self._existing("SELECT id FROM articles WHERE id IN ({})", ids)) == len(articles):
            return [("skipped", 0)] * len(articles)  # all stored already: nothing to write
        self._set_dirty(True)
        with self.db.tx():  # PostgreSQL: one writer at a time, from these reads to the commit
            stored = set(self._existing("SELECT id FROM articles WHERE id IN ({})", ids))
            new = [a for a in articles if a.id not in stored]
            old = self._existing("SELECT key, id FROM articles WHERE key IN ({})", [a.key for a in new])
            old_chunks = self._existing("SELECT id FROM chunks WHERE index_key=? AND article_id IN ({})",
                                        [i for _, i in old], self.key)
            chunks = self._write_vectors(new) if new else {}
            self.db.executemany(
                f"INSERT INTO articles ({META_FIELDS}, text, added_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(a.id, a.key, a.title, a.source, a.author, a.category, a.published_at, a.url,
                  a.text, datetime.now(UTC).isoformat()) for a in new])
            self._insert_chunks([c for cs in chunks.values() for c in cs])
            for _, old_id in old:
                self._delete_rows(old_id)
            self.copies.add([(a.id, a.text) for a in new])
        for i in range(0, len(old_chunks), 1000):
            self.chroma.collection.delete(ids=old_chunks[i:i + 1000])
        self._set_dirty(False)
        if new:
            self._index_now()
        old_keys = {k for k, _ in old}
        return [("skipped", 0) if a.id in stored else
                ("replaced" if a.key in old_keys else "added", len(chunks[a.id]))
                for a in articles]

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
            self.chroma.collection.upsert(
                ids=[c.id for _, c in part], embeddings=vectors[i:i + 1000],
                metadatas=[{"article_id": a.id, "source": a.source, "category": a.category,
                            "published": date_number(a.published_at), "start": c.start, "end": c.end}
                           for a, c in part])
        return chunks

    def _insert_chunks(self, chunks: list[Chunk]) -> None:
        self.db.executemany(
            'INSERT INTO chunks (id, index_key, article_id, idx, start, "end") VALUES (?,?,?,?,?,?) '
            'ON CONFLICT (index_key, id) DO UPDATE SET article_id = excluded.article_id, '
            'idx = excluded.idx, start = excluded.start, "end" = excluded."end"',
            [(c.id, self.key, c.article_id, c.index, c.start, c.end) for c in chunks])

    def sync(self) -> None:
        """Bring the indexes in step with the articles: drop orphans, index what is missing,
        find the copies of articles stored before copies were kept."""
        self.repair()
        self.index_missing()
        with self._lock, self.db.tx():
            self.copies.add([(aid, self.text(aid)) for aid in self.copies.missing()])

    @locked
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
            with self.db.tx():
                self._insert_chunks([c for cs in chunks.values() for c in cs])
        self._index_now()
        return len(rows)

    @locked
    def delete_article(self, article_id: str) -> bool:
        if not self._row("SELECT 1 FROM articles WHERE id=?", article_id):
            return False
        with self.db.tx():
            self._delete_rows(article_id)
        self.chroma.collection.delete(where={"article_id": article_id})
        self._index_now()
        return True

    def _delete_rows(self, article_id: str) -> None:
        self.copies.remove(article_id)
        self.db.execute("DELETE FROM chunks WHERE article_id=?", (article_id,))
        self.db.execute("DELETE FROM articles WHERE id=?", (article_id,))

    @locked
    def repair(self) -> int:
        """Remove vectors of articles that were never committed (a process killed mid-ingest):
        when a write was under way, or, over a shared store, the vectors outnumber the chunks
        (another process's write). Holds the write lock, so no write is half done meanwhile."""
        with self.db.tx():
            shared = self.db.dialect == "postgres"
            if not self._state("dirty") and not (
                    shared and self.chroma.collection.count() != self.counts()["chunks"]):
                return 0
            known = {r[0] for r in self.db.execute("SELECT id FROM chunks WHERE index_key=?",
                                                   (self.key,))}
            stored = self.chroma.collection.get(include=[])["ids"]
            orphans = [i for i in stored if i not in known]
            for i in range(0, len(orphans), 1000):
                self.chroma.collection.delete(ids=orphans[i:i + 1000])
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
        res = self.chroma.collection.query(query_embeddings=[vector.tolist()], n_results=min(k, n),
                                    where=where or None, ids=among, include=["distances"])
        return [(cid, 1.0 - d) for cid, d in zip(res["ids"][0], res["distances"][0])]

    def catalog(self) -> Catalog:
        """Committed chunks with their article's outlet, category and date (see qa.index.filters)."""
        return self.lexicon().catalog

    @locked
    def vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        if not chunk_ids:
            return {}
        got = self.chroma.collection.get(ids=chunk_ids, include=["embeddings"])
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

    @locked
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

