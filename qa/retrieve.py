"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank, reranked, de-duplicated."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from qa.config import RetrievalSettings
from qa.dates import dates_in
from qa.models import Passage
from qa.store import Store, date_number


class Filters(BaseModel):
    source: str | None = Field(None, description="Only articles from this outlet.")
    category: str | None = Field(None, description="Only articles in this category.")
    since: str | None = Field(None, description="Only articles published on or after (YYYY-MM-DD).")
    until: str | None = Field(None, description="Only articles published on or before.")

    def where(self) -> dict | None:
        """The same conditions as a Chroma `where`."""
        terms: list[dict] = []
        if self.source:
            terms.append({"source": {"$eq": self.source}})
        if self.category:
            terms.append({"category": {"$eq": self.category}})
        if self.since:
            terms.append({"published": {"$gte": date_number(self.since)}})
        if self.until:
            terms.append({"published": {"$lte": date_number(self.until)}})
        if not terms:
            return None
        return terms[0] if len(terms) == 1 else {"$and": terms}

    def accepts(self, p: Passage) -> bool:
        d = date_number(p.published_at)
        return ((not self.source or p.source == self.source)
                and (not self.category or p.category == self.category)
                and (not self.since or d >= date_number(self.since))
                and (not self.until or 0 < d <= date_number(self.until)))


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
    from qa.embed import embed_one

    k = k or settings.k
    filters = filters or Filters()
    qvec = embed_one(query)
    dense = store.dense_search(qvec, settings.fetch_k, filters.where()) if mode != "bm25" else []
    lexical = store.bm25_search(query, settings.fetch_k * 2) if mode != "dense" else []
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
    pool = sorted(cands, key=lambda p: -scores[p.chunk_id])
    while pool and len(out) < k:
        if settings.rerank:  # greedy: each earlier pick from the same article decays the score
            best = max(pool, key=lambda p: scores[p.chunk_id]
                       * settings.same_article_decay ** per_article.get(p.article_id, 0))
        else:
            best = pool[0]
        pool.remove(best)
        norm = " ".join(best.text.lower().split())
        if norm in seen_texts:  # syndicated copies of one story
            continue
        seen_texts.add(norm)
        per_article[best.article_id] = per_article.get(best.article_id, 0) + 1
        out.append(best.model_copy(update={"score": scores[best.chunk_id]}))
    sims = dict(dense)
    vecs = store.vectors([p.chunk_id for p in out if p.chunk_id not in sims])
    sims.update({cid: float(v @ qvec) for cid, v in vecs.items()})
    return [p.model_copy(update={"similarity": sims.get(p.chunk_id, 0.0)}) for p in out]
