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
("also in"). The groups and the LSH's band keys live beside the articles in SQLite, written in
the same transaction: another process sees a change at its next read, and nothing is held in
memory or rebuilt when a process starts (datasketch's own LSH storage is in memory, Redis or
Cassandra; the bands and rows per band are its own optimum for the threshold).
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qa.index.db import Db

__all__ = ["WORD", "Copies", "carries", "containment", "earlier_copy", "shingles"]

_SCHEMA = """CREATE TABLE IF NOT EXISTS copies (article_id TEXT PRIMARY KEY, group_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS copies_group ON copies(group_id);
CREATE TABLE IF NOT EXISTS copy_bands (band INTEGER NOT NULL, key BIGINT NOT NULL, article_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS copy_bands_key ON copy_bands(band, key);
CREATE INDEX IF NOT EXISTS copy_bands_article ON copy_bands(article_id);"""
NUM_PERM = 128
SHINGLE_WORDS = 4
SHORT_WORDS = 40
SHORT_CONTAINMENT = 0.9
SCHEME = "affine32"  # datasketch 2.0's permutations
CANDIDATE_JACCARD = 0.3  # LSH: propose pairs estimated to share this share of shingles
WORD = re.compile(r"\w+")


def shingles(text: str, n: int = SHINGLE_WORDS) -> set[bytes]:
    """The text's runs of n words, lower-cased (a text shorter than n words is one shingle)."""
    words = WORD.findall(text.lower())
    return {" ".join(words[i:i + n]).encode() for i in range(max(len(words) - n + 1, 1))}


def carries(text: str, quote: str) -> bool:
    """text holds quote word for word (whitespace aside): a copy that says the same there."""
    return " ".join(quote.split()) in " ".join(text.split())


def earlier_copy(rows: list[tuple[str, str]]) -> dict[str, str]:
    """For (article id, copy group) pairs in the order listed: article id -> the id of the
    first listed article of its group, or "" for that first one (the original, as listed)."""
    first: dict[str, str] = {}
    out = {}
    for aid, group in rows:
        leader = first.setdefault(group, aid)
        out[aid] = "" if leader == aid else leader
    return out


def containment(a: set[bytes], b: set[bytes]) -> float:
    """Share of the smaller shingle set found in the other."""
    return len(a & b) / max(min(len(a), len(b)), 1)


@functools.cache
def _bands() -> tuple[int, int]:
    """(bands, rows per band) of datasketch's LSH for CANDIDATE_JACCARD."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=CANDIDATE_JACCARD, num_perm=NUM_PERM)
    return lsh.b, lsh.r


def band_keys(text: str) -> list[tuple[int, int]]:
    """(band, key) pairs of the text's MinHash signature: two texts sharing a pair are candidates."""
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    m.update_batch(list(shingles(text)))
    b, r = _bands()
    values = m.hashvalues.astype(np.uint64)
    return [(i, int.from_bytes(hashlib.blake2b(values[i * r:(i + 1) * r].tobytes(), digest_size=8).digest(),
                               "big", signed=True)) for i in range(b)]


class Copies:
    """The copy groups of a store's articles (see the module doc)."""

    def __init__(self, db: Db, threshold: float, text_of):
        self.db = db
        self.threshold = threshold
        self.text_of = text_of  # article id -> its stored text
        db.script(_SCHEMA)

    def add(self, articles: list[tuple[str, str]]) -> dict[str, str]:
        """Record (article id, text) pairs, each joining the group of the stored article it
        copies most (containment >= threshold) or starting its own. Runs inside the caller's
        transaction. Returns article id -> group id."""
        texts = dict(articles)
        out: dict[str, str] = {}
        for aid, text in articles:
            keys = band_keys(text)
            near = [(j, c) for c in self._candidates(keys) if c != aid
                    and (j := self.overlap(text, texts.get(c) or self.text_of(c))) is not None]
            group = self.group_of([max(near)[1]]).get(max(near)[1], max(near)[1]) if near else aid
            self.remove(aid)
            self.db.execute("INSERT INTO copies VALUES (?, ?)", (aid, group))
            self.db.executemany("INSERT INTO copy_bands VALUES (?, ?, ?)", [(b, k, aid) for b, k in keys])
            out[aid] = group
        return out

    def overlap(self, a: str, b: str) -> float | None:
        """The containment of two texts if they are copies of one text, else None."""
        share = containment(shingles(a), shingles(b))
        short = min(len(WORD.findall(a)), len(WORD.findall(b))) < SHORT_WORDS
        need = max(self.threshold, SHORT_CONTAINMENT) if short else self.threshold
        return share if share >= need else None

    def remove(self, article_id: str) -> None:
        self.db.execute("DELETE FROM copies WHERE article_id=?", (article_id,))
        self.db.execute("DELETE FROM copy_bands WHERE article_id=?", (article_id,))

    def missing(self) -> list[str]:
        """Stored articles without a copies row (stored before copies were kept)."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM articles a WHERE NOT EXISTS (SELECT 1 FROM copies c WHERE c.article_id=a.id)")]

    def group_of(self, article_ids: list[str]) -> dict[str, str]:
        """article id -> its group id (an article without a row is its own group)."""
        out = {a: a for a in article_ids}
        for i in range(0, len(article_ids), 500):
            part = article_ids[i:i + 500]
            out.update(self.db.execute(
                f"SELECT article_id, group_id FROM copies WHERE article_id IN ({','.join('?' * len(part))})",
                part).fetchall())
        return out

    def members(self, group_ids: list[str]) -> dict[str, list[str]]:
        """group id -> its article ids, for the given groups that hold two or more."""
        out: dict[str, list[str]] = {}
        groups = sorted(set(group_ids))
        for i in range(0, len(groups), 500):
            part = groups[i:i + 500]
            marks = ",".join("?" * len(part))
            for gid, aid in self.db.execute(
                    f"SELECT group_id, article_id FROM copies WHERE group_id IN ({marks})", part):
                out.setdefault(gid, []).append(aid)
        return {g: sorted(ids) for g, ids in out.items() if len(ids) > 1}

    def _candidates(self, keys: list[tuple[int, int]]) -> set[str]:
        found: set[str] = set()
        for band, key in keys:
            found.update(r[0] for r in self.db.execute(
                "SELECT article_id FROM copy_bands WHERE band=? AND key=?", (band, key)))
        return found
