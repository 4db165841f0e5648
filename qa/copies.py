"""Copies: near-duplicate articles (one agency text under many mastheads, light edits, another
headline, a trimmed ending), found at ingest: MinHash of word 4-shingles with LSH (datasketch)
proposes candidates, and a candidate is a copy when most of the shorter text's shingles are in
the other (containment, computed exactly from both texts: a copy cut to half its length
shares half the shingles, so Jaccard alone would miss it). A text shorter than SHORT_WORDS is
a copy only when nearly all of it is in the other: in a two-sentence snippet one changed word
is the difference between two stories ("the best Sorcerer builds" / "the best Barbarian
builds", two Polygon guides of the MultiHop-RAG corpus).

Each article belongs to one group, named by the first copy stored. Nothing is deleted: every
copy stays citable; retrieval shows one passage per group and names the other copies
("also in"). The table lives beside the articles in SQLite and is written in the same
transaction; another process sees a change at its next read.
"""

from __future__ import annotations

import re
import sqlite3

import numpy as np

__all__ = ["WORD", "Copies", "containment", "shingles"]

_SCHEMA = """CREATE TABLE IF NOT EXISTS copies (
  article_id TEXT PRIMARY KEY, group_id TEXT NOT NULL, signature BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS copies_group ON copies(group_id);"""
NUM_PERM = 128
SHINGLE_WORDS = 4
SHORT_WORDS = 40
SHORT_CONTAINMENT = 0.9
SCHEME = "affine32"  # datasketch 2.0's permutations; stored signatures are of this scheme
CANDIDATE_JACCARD = 0.3  # LSH: propose pairs estimated to share this share of shingles
WORD = re.compile(r"\w+")


def shingles(text: str, n: int = SHINGLE_WORDS) -> set[bytes]:
    """The text's runs of n words, lower-cased (a text shorter than n words is one shingle)."""
    words = WORD.findall(text.lower())
    return {" ".join(words[i:i + n]).encode() for i in range(max(len(words) - n + 1, 1))}


def containment(a: set[bytes], b: set[bytes]) -> float:
    """Share of the smaller shingle set found in the other."""
    return len(a & b) / max(min(len(a), len(b)), 1)


def _minhash(text: str | None = None, values: bytes | None = None):
    from datasketch import MinHash

    if values is not None:
        return MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME,
                       hashvalues=np.frombuffer(values, dtype=np.uint64))
    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    m.update_batch(list(shingles(text or "")))
    return m


class Copies:
    """The copy groups of a store's articles (see the module doc)."""

    def __init__(self, db: sqlite3.Connection, threshold: float, text_of):
        self.db = db
        self.threshold = threshold
        self.text_of = text_of  # article id -> its stored text
        db.executescript(_SCHEMA)
        self._lsh = None
        self._lsh_version: tuple | None = None
        self._groups: dict[str, str] = {}
        self._groups_version: tuple | None = None

    def _version(self) -> tuple:
        return self.db.execute("SELECT count(*), max(rowid), total(length(group_id)) FROM copies").fetchone()

    def add(self, articles: list[tuple[str, str]]) -> dict[str, str]:
        """Record (article id, text) pairs, each joining the group of the stored article it
        copies most (containment >= threshold) or starting its own. Runs inside the caller's
        transaction. Returns article id -> group id."""
        lsh = self._index()
        texts = dict(articles)
        out: dict[str, str] = {}
        for aid, text in articles:
            m = _minhash(text)
            near = [(j, c) for c in lsh.query(m) if c != aid
                    and (j := self.overlap(text, texts.get(c) or self.text_of(c))) is not None]
            group = self._group_of(max(near)[1], out) if near else aid
            self.db.execute("INSERT OR REPLACE INTO copies VALUES (?, ?, ?)",
                            (aid, group, m.hashvalues.astype(np.uint64).tobytes()))
            if aid not in lsh:
                lsh.insert(aid, m)
            out[aid] = group
        self._lsh_version = self._version()
        return out

    def overlap(self, a: str, b: str) -> float | None:
        """The containment of two texts if they are copies of one text, else None."""
        share = containment(shingles(a), shingles(b))
        short = min(len(WORD.findall(a)), len(WORD.findall(b))) < SHORT_WORDS
        need = max(self.threshold, SHORT_CONTAINMENT) if short else self.threshold
        return share if share >= need else None

    def remove(self, article_id: str) -> None:
        self.db.execute("DELETE FROM copies WHERE article_id=?", (article_id,))
        self._lsh = None  # datasketch's LSH forgets a key, but rebuilding keeps one code path

    def missing(self) -> list[str]:
        """Stored articles without a copies row (stored before copies were kept)."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM articles a WHERE NOT EXISTS (SELECT 1 FROM copies c WHERE c.article_id=a.id)")]

    def groups(self) -> dict[str, str]:
        """article id -> group id, for every article with a copies row."""
        version = self._version()
        if version != self._groups_version:
            self._groups = dict(self.db.execute("SELECT article_id, group_id FROM copies"))
            self._groups_version = version
        return self._groups

    def members(self) -> dict[str, list[str]]:
        """group id -> its article ids, for groups of two or more."""
        out: dict[str, list[str]] = {}
        for aid, gid in self.groups().items():
            out.setdefault(gid, []).append(aid)
        return {g: sorted(ids) for g, ids in out.items() if len(ids) > 1}

    def _group_of(self, article_id: str, batch: dict[str, str]) -> str:
        if article_id in batch:
            return batch[article_id]
        row = self.db.execute("SELECT group_id FROM copies WHERE article_id=?", (article_id,)).fetchone()
        return row[0] if row else article_id

    def _index(self):
        """The LSH over every stored signature, rebuilt when another writer changed the table."""
        from datasketch import MinHashLSH

        if self._lsh is None or self._version() != self._lsh_version:
            self._lsh = MinHashLSH(threshold=CANDIDATE_JACCARD, num_perm=NUM_PERM)
            with self._lsh.insertion_session() as session:
                for aid, sig in self.db.execute("SELECT article_id, signature FROM copies"):
                    session.insert(aid, _minhash(values=sig))
            self._lsh_version = self._version()
        return self._lsh
