"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank, reranked, de-duplicated."""

from __future__ import annotations

import re

import numpy as np

from qa.config import RetrievalSettings
from qa.dates import dates_in
from qa.index import fulltext
from qa.index.copies import carries
from qa.index.filters import Catalog, Filters
from qa.index.store import Store
from qa.models import Copy, Passage

__all__ = ["Filters", "also_in", "copies_of", "search"]

# Filtered dense search (see qa.index.filters): searching an explicit id list costs about 8x less
# per id than over-fetching from the unfiltered index costs per extra hit (measured at 100k
# chunks: 5,000 ids 11 ms; 1,000 hits 15 ms, 5,000 hits 32 ms).
ID_COST_RATIO = 8
OVERFETCH = 2  # fetch twice the hits the filter's selectivity says are needed


def plan_dense(matching: int, total: int, n: int) -> tuple[str, int]:
    """How to find the n nearest of `matching` of `total` chunks: ("ids", matching) to search
    exactly those ids, or ("overfetch", m) to take the m nearest overall and keep matches."""
    over = min(total, -(-OVERFETCH * n * total // max(matching, 1)))
    return ("ids", matching) if matching <= ID_COST_RATIO * over else ("overfetch", over)


def dense_hits(store: Store, qvec: np.ndarray, n: int, filters: Filters, catalog: Catalog,
               mask: np.ndarray | None, plan: tuple[str, int] | None = None) -> list[tuple[str, float]]:
    if mask is None:
        return store.dense_search(qvec, n)
    matching = int(mask.sum())
    if matching == 0:
        return []
    how, m = plan or plan_dense(matching, len(catalog), n)
    if how == "ids":
        return store.dense_search(qvec, n, among=catalog.ids[mask].tolist())
    index = catalog.index()
    hits = [h for h in store.dense_search(qvec, m) if h[0] in index and mask[index[h[0]]]]
    if len(hits) >= n or m >= len(catalog):
        return hits[:n]
    return store.dense_search(qvec, n, where=filters.where())  # the nearest m held too few


def _bonus(query: str, days: set[str], months: set[str], p: Passage) -> float:
    """Features of the question that point at an article: it names the outlet (1), the
    publication day (1) or month (0.5)."""
    src = p.source.lower().removeprefix("the ").strip()
    named = 1.0 if src and re.search(rf"\b{re.escape(src)}\b", query.lower()) else 0.0
    day = p.published_at[:10]
    return named + (1.0 if day in days else 0.5 if day[:7] in months else 0.0)


def search(store: Store, query: str, settings: RetrievalSettings, k: int | None = None,
           filters: Filters | None = None, mode: str = "hybrid") -> list[Passage]:
    """The k best passages for query. mode: hybrid (default), dense or bm25."""
    from qa.index.embed import embed_one

    k = k or settings.k
    filters = filters or Filters()
    qvec = embed_one(query, store.settings.embedder)
    catalog = store.catalog()
    mask = catalog.mask(filters) if filters.active() else None
    dense = dense_hits(store, qvec, settings.fetch_k, filters, catalog, mask) if mode != "bm25" else []
    lexical = [] if mode == "dense" else (
        fulltext.search(store, query, settings.fetch_k * 2, mask) if settings.lexical == "postgres"
        else store.bm25_search(query, settings.fetch_k * 2, mask))
    fused: dict[str, float] = {}
    for weight, hits in ((settings.dense_weight, dense), (settings.bm25_weight, lexical)):
        for rank, (cid, _) in enumerate(hits):
            fused[cid] = fused.get(cid, 0.0) + weight / (settings.rrf_k + rank + 1)
    found = store.passages(list(fused))
    cands = [found[c] for c in fused if c in found and filters.accepts(found[c])]
    top = 1.0 / (settings.rrf_k + 1)
    days, months = dates_in(query)
    scores = {p.chunk_id: fused[p.chunk_id]
              + (top * _bonus(query, days, months, p) if settings.rerank else 0) for p in cands}
    out: list[Passage] = []
    seen_texts: set[str] = set()
    per_article: dict[str, int] = {}
    groups = store.copies.group_of([p.article_id for p in cands]) if store.settings.stories.copies else {}
    shown_copy: dict[str, str] = {}  # copy group -> the one article of it retrieval shows
    pool = sorted(cands, key=lambda p: -scores[p.chunk_id])
    while pool and len(out) < k:
        if settings.rerank:  # greedy: each earlier pick from the same article decays the score
            best = max(pool, key=lambda p: scores[p.chunk_id]
                       * settings.same_article_decay ** per_article.get(p.article_id, 0))
        else:
            best = pool[0]
        pool.remove(best)
        norm = " ".join(best.text.lower().split())
        group = groups.get(best.article_id, best.article_id)
        if norm in seen_texts or shown_copy.setdefault(group, best.article_id) != best.article_id:
            continue  # syndicated copies of one story: one is shown, the others named
        seen_texts.add(norm)
        per_article[best.article_id] = per_article.get(best.article_id, 0) + 1
        out.append(best.model_copy(update={"score": scores[best.chunk_id]}))
    sims = dict(dense)
    vecs = store.vectors([p.chunk_id for p in out if p.chunk_id not in sims])
    sims.update({cid: float(v @ qvec) for cid, v in vecs.items()})
    copies = copies_of(store, {p.article_id: groups[p.article_id] for p in out}) if groups else {}
    return [p.model_copy(update={"similarity": sims.get(p.chunk_id, 0.0),
                                 "also_in": copies.get(p.article_id, [])}) for p in out]


def copies_of(store: Store, groups: dict[str, str]) -> dict[str, list[Copy]]:
    """article id -> the other articles of its copy group (groups: article id -> its group, as
    `store.copies.group_of` gives it)."""
    members = store.copies.members(list(groups.values()))
    others = {a: [m for m in members.get(groups[a], []) if m != a] for a in groups}
    meta = store.meta(sorted({m for ms in others.values() for m in ms}))
    return {a: [Copy(**meta[m]) for m in ms if m in meta] for a, ms in others.items() if ms}


def also_in(store: Store, quotes: list[tuple[str, str]]) -> list[list[Copy]]:
    """Per (article id, text of it), the other articles of its copy group that carry the text
    word for word (a copy edited there is left out: it does not say the same)."""
    copies = copies_of(store, store.copies.group_of(sorted({a for a, _ in quotes})))
    texts = {c.article_id: store.text(c.article_id) for cs in copies.values() for c in cs}
    return [[c for c in copies.get(a, []) if carries(texts[c.article_id], text)] for a, text in quotes]
