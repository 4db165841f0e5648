"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank, de-duplicated."""

from __future__ import annotations

from pydantic import BaseModel, Field

from qa.config import RetrievalSettings
from qa.models import Passage
from qa.store import Store, date_number


class Filters(BaseModel):
    source: str | None = Field(None, description="Only articles from this outlet.")
    category: str | None = Field(None, description="Only articles in this category.")
    since: str | None = Field(None, description="Only articles published on or after (YYYY-MM-DD).")
    until: str | None = Field(None, description="Only articles published on or before.")

    def where(self) -> dict | None:
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

    def accepts(self, p: Passage, category: str = "") -> bool:
        d = date_number(p.published_at)
        return ((not self.source or p.source == self.source)
                and (not self.since or d >= date_number(self.since))
                and (not self.until or (d and d <= date_number(self.until))))


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
    ranked = sorted((found[c] for c in fused if c in found), key=lambda p: -fused[p.chunk_id])
    ranked = [p for p in ranked if filters.accepts(p)]
    # cosine similarity of every candidate (BM25-only hits have none from Chroma)
    sims = dict(dense)
    missing = [p for p in ranked if p.chunk_id not in sims]
    if missing:
        from qa.embed import embed_batch

        vecs = embed_batch([p.text for p in missing])
        sims.update({p.chunk_id: float(v @ qvec) for p, v in zip(missing, vecs)})
    out: list[Passage] = []
    seen_texts: set[str] = set()
    for p in ranked:
        norm = " ".join(p.text.lower().split())
        if norm in seen_texts:  # syndicated copies of one story
            continue
        seen_texts.add(norm)
        out.append(p.model_copy(update={"score": fused[p.chunk_id],
                                        "similarity": sims[p.chunk_id]}))
        if len(out) == k:
            break
    return out
