"""Stories: articles about the same event, grouped by what they say (each article's title vector
plus the mean of its chunks' vectors: a headline names the event, the body what it is about)
within a window of days; copies of one text (qa/index/copies.py) start joined.

Grouping is single-link: two articles join when their similarity reaches the threshold and
their dates lie within the window; a story is what is joined, reported by at least
`min_outlets` outlets. Pairwise over the articles asked about (a --since narrows them), in
blocks of rows: meant for thousands of articles (`max_articles`), not millions.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from pydantic import BaseModel, Field

from qa.config import StorySettings
from qa.dates import day_of
from qa.errors import QAError
from qa.index.copies import earlier_copy
from qa.index.filters import Filters

__all__ = ["Story", "StoryArticle", "article_vectors", "group_stories", "stories"]

BLOCK = 1024


class StoryArticle(BaseModel):
    article_id: str
    title: str
    source: str = ""
    published_at: str = ""
    copy_group: str = Field("", description="Its copy group (qa/index/copies.py).")


class Story(BaseModel):
    id: str = Field(description="The id of its first article.")
    title: str = Field(description="The title of its first article.")
    articles: list[StoryArticle] = Field(description="By date, then title.")
    outlets: list[str]
    first: str = Field(description="Earliest publication date (YYYY-MM-DD), '' if none is known.")
    last: str
    copies: int = Field(description="Articles that are copies of another article of the story.")


def article_vectors(store, titles: dict[str, str]) -> dict[str, np.ndarray]:
    """article id -> unit(title vector + unit mean of its chunk vectors), for the articles of
    titles (id -> title) that have chunks."""
    from qa.index.embed import embed_batch

    ids = store.chunk_ids(list(titles))
    vecs = store.vectors([c for cs in ids.values() for c in cs])
    heads = dict(zip(ids, embed_batch([titles[a] for a in ids], store.settings.embed_batch_size,
                                      store.settings.embedder))) if ids else {}
    out = {}
    for aid, cs in ids.items():
        rows = [vecs[c] for c in cs if c in vecs]
        if rows:
            body = np.mean(rows, axis=0)
            v = heads[aid] + body / max(float(np.linalg.norm(body)), 1e-12)
            out[aid] = v / max(float(np.linalg.norm(v)), 1e-12)
    return out


def group_stories(rows: list[dict], vectors: dict[str, np.ndarray], groups: dict[str, str],
                  settings: StorySettings) -> list[list[str]]:
    """Article ids per story (two or more articles), single-link over similarity and date."""
    ids = [r["id"] for r in rows if r["id"] in vectors]
    parent = {a: groups.get(a, a) for a in ids}  # copies start joined

    def root(a: str) -> str:
        while parent.get(a, a) != a:
            a = parent[a] = parent.get(parent[a], parent[a])
        return a

    for g in set(parent.values()):
        parent.setdefault(g, g)
    days = {r["id"]: day_of(r.get("published_at") or "") for r in rows}
    m = np.stack([vectors[a] for a in ids]) if ids else np.zeros((0, 1))
    for lo in range(0, len(ids), BLOCK):  # a block of rows at a time: memory BLOCK x articles
        sims = m[lo:lo + BLOCK] @ m.T
        for i, j in zip(*np.nonzero(sims >= settings.story_similarity)):
            if j <= lo + i:
                continue
            a, b = ids[lo + i], ids[j]
            da, db = days[a], days[b]
            if da and db and abs((da - db).days) > settings.window_days:
                continue
            parent[root(a)] = root(b)
    out: dict[str, list[str]] = {}
    for a in ids:
        out.setdefault(root(a), []).append(a)
    return [sorted(v) for v in out.values() if len(v) > 1]


def stories(store, settings: StorySettings, filters: Filters | None = None) -> list[Story]:
    """The stories among the stored articles that pass filters (outlet, category, dates),
    newest first."""
    filters = filters or Filters()
    rows = [r for r in store.list_articles() if filters.accepts(SimpleNamespace(  # type: ignore[arg-type]
        source=r["source"] or "", category=r["category"] or "", published_at=r["published_at"] or ""))]
    if len(rows) > settings.max_articles:
        raise QAError(f"{len(rows):,} articles to group into stories, more than "
                      f"QA_STORIES__MAX_ARTICLES={settings.max_articles:,}: narrow them with --since "
                      "and --until (or an outlet or category), or raise the limit")
    by_id = {r["id"]: r for r in rows}
    groups = store.copies.group_of(list(by_id))
    vectors = article_vectors(store, {a: r["title"] for a, r in by_id.items()})
    out = []
    for members in group_stories(rows, vectors, groups, settings):
        if len({by_id[a]["source"] or a for a in members}) < settings.min_outlets:
            continue
        arts = sorted((by_id[a] for a in members), key=lambda r: ((r["published_at"] or "9999"), r["title"]))
        copy_of = earlier_copy([(r["id"], groups.get(r["id"], r["id"])) for r in arts])
        dates = [r["published_at"][:10] for r in arts if r["published_at"]]
        out.append(Story(
            id=arts[0]["id"], title=arts[0]["title"],
            outlets=sorted({r["source"] for r in arts if r["source"]}),
            articles=[StoryArticle(article_id=r["id"], title=r["title"], source=r["source"] or "",
                                   published_at=r["published_at"] or "",
                                   copy_group=groups.get(r["id"], r["id"])) for r in arts],
            first=min(dates, default=""), last=max(dates, default=""),
            copies=sum(bool(c) for c in copy_of.values())))
    return sorted(out, key=lambda s: (s.last, len(s.articles)), reverse=True)
