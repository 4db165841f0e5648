"""An incremental BM25 index: chunks are added and removed without rebuilding, and a search
scores exactly as an index built anew from the same chunks would.

BM25 depends on corpus-wide figures (the number of chunks, each term's document frequency,
the mean chunk length), so a separate small index for new chunks would score differently
from a rebuild. Here the index keeps, per batch of added chunks, a segment of raw term
frequencies (a sparse matrix, terms as columns), plus each chunk's length and whether it is
still live; the corpus-wide figures are computed at query time over the live chunks of every
segment. Adding chunks appends a segment (cost: that batch only); removing marks rows dead;
`compact()` folds everything into one segment (done when the store saves the index).

The formula is bm25s's default ("lucene": idf = ln(1 + (N - df + 0.5) / (df + 0.5)), term
part tf / (tf + k1 (1 - b + b dl / avgdl)), k1 = 1.5, b = 0.75) on bm25s's own tokens, so
scores agree with bm25s too (tests/test_bm25.py).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["Index", "tokenize"]

K1, B = 1.5, 0.75
SEGMENT = 50_000


def tokenize(texts: list[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", show_progress=False, return_ids=False)


@dataclass
class Segment:
    start: int  # the first row of this segment in the index
    matrix: object  # scipy.sparse.csc_matrix (rows of the segment) x (terms known when built)


@dataclass
class Index:
    vocab: dict[str, int] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)  # row -> chunk id (dead rows keep theirs)
    rows: dict[str, int] = field(default_factory=dict)  # live chunk id -> row
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    alive: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    segments: list[Segment] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, ids: list[str], texts: list[str] | None) -> None:
        """Add (or, for an id already present, replace) chunks; a large batch is added in
        segments of SEGMENT chunks (bounded memory while counting terms). texts None: rows
        without words (an index of ids only, for a catalogue when another engine ranks)."""
        from scipy import sparse

        if len(ids) > SEGMENT:
            for i in range(0, len(ids), SEGMENT):
                self.add(ids[i:i + SEGMENT], None if texts is None else texts[i:i + SEGMENT])
            return

        self.remove([i for i in ids if i in self.rows])
        tokens = [[] for _ in ids] if texts is None else tokenize(texts) if texts else []
        start = len(self.ids)
        r: list[int] = []
        c: list[int] = []
        v: list[int] = []
        vocab = self.vocab
        for n, doc in enumerate(tokens):
            counts = Counter(doc)
            r += [n] * len(counts)
            c += [vocab.setdefault(t, len(vocab)) for t in counts]
            v += counts.values()
        m = sparse.csc_matrix((np.asarray(v, np.float32), (np.asarray(r, np.int64), np.asarray(c, np.int64))),
                              shape=(len(tokens), len(self.vocab)))
        self.segments.append(Segment(start, m))
        self.ids += ids
        self.rows.update((cid, start + n) for n, cid in enumerate(ids))
        self.lengths = np.concatenate([self.lengths, np.asarray([len(d) for d in tokens], np.int64)])
        self.alive = np.concatenate([self.alive, np.ones(len(ids), bool)])

    def remove(self, ids: list[str]) -> None:
        for cid in ids:
            row = self.rows.pop(cid, None)
            if row is not None:
                self.alive[row] = False

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every row for the query's tokens (0 for dead rows)."""
        out = np.zeros(len(self.ids), np.float64)
        n = int(self.alive.sum())
        if n == 0:
            return out
        avgdl = float(self.lengths[self.alive].sum()) / n
        norm = K1 * (1 - B + B * self.lengths / avgdl)
        for t in query_tokens:
            term = self.vocab.get(t)
            if term is None:
                continue
            rows, tf = self._postings(term)
            df = len(rows)
            if df == 0:
                continue
            idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
            out[rows] += idf * tf / (tf + norm[rows])
        return out

    def _postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, term frequencies) of the live chunks holding term."""
        rows, tfs = [], []
        for seg in self.segments:
            m = seg.matrix
            if term >= m.shape[1]:  # type: ignore[attr-defined]
                continue
            lo, hi = m.indptr[term], m.indptr[term + 1]  # type: ignore[attr-defined]
            rows.append(m.indices[lo:hi] + seg.start)  # type: ignore[attr-defined]
            tfs.append(m.data[lo:hi])  # type: ignore[attr-defined]
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        r, f = np.concatenate(rows), np.concatenate(tfs).astype(np.float64)
        live = self.alive[r]
        return r[live], f[live]

    def compact(self) -> Index:
        """The same live chunks in one segment, rows in chunk-id order."""
        from scipy import sparse

        order = sorted(self.rows, key=lambda cid: cid)
        width = len(self.vocab)
        parts = []
        for seg in self.segments:
            m = seg.matrix.tocsr()  # type: ignore[attr-defined]
            parts.append(sparse.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], width)))
        whole = sparse.vstack(parts).tocsr() if parts else sparse.csr_matrix((0, width), dtype=np.float32)
        rows = np.asarray([self.rows[cid] for cid in order], np.int64)
        packed = whole[rows].tocsc() if len(rows) else sparse.csc_matrix((0, width), dtype=np.float32)
        return Index(vocab=dict(self.vocab), ids=order, rows={c: i for i, c in enumerate(order)},
                     lengths=self.lengths[rows] if len(rows) else np.zeros(0, np.int64),
                     alive=np.ones(len(order), bool), segments=[Segment(0, packed)])

    def save(self, folder: Path, meta: dict) -> None:
        """The compacted index into folder (written beside, then renamed over the old one)."""
        from scipy import sparse

        one = self.compact()
        tmp = folder.with_name(folder.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        m = one.segments[0].matrix
        sparse.save_npz(tmp / "tf.npz", m, compressed=False)  # type: ignore[arg-type]
        np.save(tmp / "lengths.npy", one.lengths)
        (tmp / "index.json").write_text(json.dumps({"vocab": one.vocab, "ids": one.ids, **meta}))
        if folder.exists():
            import shutil

            shutil.rmtree(folder)
        tmp.rename(folder)

    @classmethod
    def load(cls, folder: Path) -> tuple[Index, dict]:
        from scipy import sparse

        meta = json.loads((folder / "index.json").read_text())
        ids = meta.pop("ids")
        vocab = meta.pop("vocab")
        m = sparse.load_npz(folder / "tf.npz").tocsc()
        index = cls(vocab=vocab, ids=ids, rows={c: i for i, c in enumerate(ids)},
                    lengths=np.load(folder / "lengths.npy"), alive=np.ones(len(ids), bool),
                    segments=[Segment(0, m)])
        return index, meta
