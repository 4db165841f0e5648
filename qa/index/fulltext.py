"""Lexical search inside PostgreSQL (QA_RETRIEVAL__LEXICAL=postgres): the shared store ranks
chunks itself, so a process need not hold a BM25 index to search them.

Each chunk's words are kept as a tsvector (made by a trigger from its article's span, English
stemming and stop words, GIN-indexed; qa.index.texts). A question matches a chunk holding any
of its words, as in BM25, and chunks are ranked by ts_rank_cd (cover density, divided by
1 + the log of the chunk's length). bench/retrieval.py --postgres measures it beside BM25.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["search"]

_WORD = re.compile(r"[a-z0-9]+")
ANY_IDS = 50_000  # a filter matching at most this many chunks is passed to the query as ids


def search(store, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
    """(chunk id, rank) of the k best chunks for query; mask as in Store.bm25_search."""
    if store.db.dialect != "postgres":
        from qa.errors import StoreError

        raise StoreError("QA_RETRIEVAL__LEXICAL=postgres searches inside the PostgreSQL store: "
                         "set QA_STORE_URL too, or QA_RETRIEVAL__LEXICAL=bm25")
    words = sorted(set(_WORD.findall(query.lower())))
    if not words or k <= 0:
        return []
    sql = ("SELECT c.id, ts_rank_cd(c.tsv, q, 1) AS r FROM chunks c, to_tsquery('english', ?) q "
           "WHERE c.index_key = ? AND c.tsv @@ q")
    params: list = [" | ".join(words), store.key]
    keep = None
    if mask is not None:
        ids = store.catalog().ids[mask]
        if len(ids) <= ANY_IDS:
            sql += " AND c.id = ANY(?)"
            params.append(ids.tolist())
        else:
            keep = set(ids.tolist())
    limit = k if keep is None else 4 * k
    rows = store.db.execute(sql + " ORDER BY r DESC, c.id LIMIT ?", [*params, limit]).fetchall()
    return [(cid, float(r)) for cid, r in rows if keep is None or cid in keep][:k]
