"""Timelines: the dated events of a topic, each a sentence of an article quoted verbatim with its
char-exact citation, ordered by when the event happened where the text says it ("on Tuesday",
resolved against the article's date by dateparser) and by publication date otherwise; a
sentence with a figure carries "as of" its article's date. Beside it, where the articles'
figures disagree (qa/news/disagree.py).

An event is the article's own sentence, so it needs no model and no check: it is what it cites.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from qa.config import Settings
from qa.dates import day_of
from qa.index.chunking import split_sentences
from qa.index.filters import Filters
from qa.models import Citation, Copy, Passage
from qa.news.disagree import Conflict, Figure, conflicts
from qa.numbers import number_matches

__all__ = ["Event", "Timeline", "event_date", "timeline"]

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December" \
         r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_NUM = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|a)"
# Where a sentence names when: the words dateparser then resolves. Capitalised month and day
# names only ("may" is a verb); a bare number is never a date.
_WHEN = re.compile(
    rf"\b{_MONTH}\s+\d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b"
    rf"|\b(?:(?:last|this|next)\s+)?{_WEEKDAY}(?:,?\s+{_MONTH}\s+\d{{1,2}}(?!\d)(?:,?\s+\d{{4}})?)?"
    rf"|\b{_MONTH}\s+\d{{1,2}}(?!\d)(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:\s+\d{{4}})?"
    rf"|\b(?:yesterday|last\s+(?:week|month|year)|{_NUM}\s+(?:days?|weeks?|months?|years?)\s+ago)\b"
    rf"|(?<=\b[Ii]n\s)(?:19|20)\d\d\b")
RELATIVE_FLOOR = 0.5  # a sentence is an event of the topic at half the best sentence's similarity
_PERIOD_CHARS = {"day": 10, "week": 10, "month": 7, "year": 4}


class Event(BaseModel):
    date: str = Field(description="When it happened: YYYY-MM-DD, YYYY-MM or YYYY as precise as "
                      "the text; the publication date when the text names none.")
    dated_by: Literal["text", "published"] = Field(description="text: the words in `when` "
                                                   "resolved against the article's date.")
    when: str = Field("", description="The words that date it ('on Tuesday'), if any.")
    text: str = Field(description="The sentence, verbatim from the article.")
    as_of: str = Field("", description="For a sentence with a figure: its article's date.")
    citation: Citation


class Timeline(BaseModel):
    topic: str
    events: list[Event]
    conflicts: list[Conflict] = Field(default_factory=list,
                                      description="Figures the articles report differently.")
    articles: int = Field(0, description="Articles the events were taken from.")


def event_date(sentence: str, published_at: str) -> tuple[str, str]:
    """(date, the words that named it) for the first date the sentence names, resolved against
    published_at; ("", "") when it names none or none resolves."""
    from dateparser.date import DateDataParser

    base = day_of(published_at)
    parser = DateDataParser(languages=["en"], settings={
        "PREFER_DATES_FROM": "past", "RETURN_TIME_AS_PERIOD": True,
        **({"RELATIVE_BASE": _midday(base)} if base else {})})
    for m in _WHEN.finditer(sentence):
        data = parser.get_date_data(m.group(0))
        if data.date_obj is None:
            continue
        period = data.period or "day"
        if not base and not re.search(r"\d{4}", m.group(0)):
            continue  # "on Tuesday", "June 5" in an undated article: nothing to resolve it against
        return data.date_obj.date().isoformat()[:_PERIOD_CHARS.get(period, 10)], m.group(0)
    return "", ""


def _midday(day):
    from datetime import datetime, time

    return datetime.combine(day, time(12))


def timeline(store, settings: Settings, topic: str, filters: Filters | None = None) -> Timeline:
    """The events of a topic (see the module doc), from the passages retrieved for it."""
    from qa.index.embed import embed_batch, embed_one
    from qa.index.retrieve import also_in, search

    passages = search(store, topic, settings.retrieval, k=settings.stories.timeline_k, filters=filters)
    qvec = embed_one(topic, settings.embedder)
    cands = [(p, s, e) for p in passages for s, e in split_sentences(p.text) if len(p.text[s:e].split()) >= 6]
    if not cands:
        return Timeline(topic=topic, events=[])
    vecs = embed_batch([p.text[s:e] for p, s, e in cands], settings.embed_batch_size, settings.embedder)
    sims = vecs @ qvec
    floor = max(float(sims.max()) * RELATIVE_FLOOR, settings.retrieval.min_similarity)
    chosen: list[tuple[Passage, int, int]] = []
    seen: list[int] = []
    for i in sorted(range(len(cands)), key=lambda i: -sims[i]):
        if sims[i] < floor or len(chosen) >= settings.stories.timeline_events:
            break
        if any(float(vecs[i] @ vecs[j]) > 0.9 for j in seen):
            continue  # the same sentence in another copy or a rewrite
        seen.append(i)
        chosen.append(cands[i])
    copies = also_in(store, [(p.article_id, p.text[s:e]) for p, s, e in chosen])
    events = sorted((_event(p, s, e, c) for (p, s, e), c in zip(chosen, copies)), key=lambda ev: (
        ev.date, ev.citation.published_at, ev.citation.article_id, ev.citation.start))
    for n, ev in enumerate(events, 1):
        ev.citation.n = n
    sources = list({p.article_id: p for p, _, _ in chosen}.values())
    return Timeline(topic=topic, events=events, articles=len(sources),
                    conflicts=_conflicts(store, settings, sources, filters or Filters()))


def _event(p: Passage, s: int, e: int, copies: list[Copy]) -> Event:
    sentence = p.text[s:e]
    when_date, when = event_date(sentence, p.published_at)
    has_figure = any(not re.fullmatch(r"(19|20)\d\d", m.group(0).strip())
                     for m, _ in number_matches(sentence))
    cite = Citation(n=0, chunk_id=p.chunk_id, article_id=p.article_id, title=p.title, source=p.source,
                    published_at=p.published_at, start=p.start + s, end=p.start + e, quote=sentence,
                    also_in=copies)
    return Event(date=when_date or p.published_at[:10], dated_by="text" if when_date else "published",
                 when=when, text=sentence, as_of=p.published_at[:10] if has_figure else "", citation=cite)


def _conflicts(store, settings: Settings, passages: list[Passage], filters: Filters) -> list[Conflict]:
    """Conflicting figures among the articles of the passages and their copies (those the
    filters let through)."""
    from qa.index.embed import embed_batch
    from qa.index.retrieve import copies_of

    ids = {p.article_id for p in passages}  # and their copies, which retrieval folded away:
    ids |= {c.article_id for cs in copies_of(store, store.copies.group_of(sorted(ids))).values()
            for c in cs}  # an edit changes figures
    arts = [a for a in map(store.article, sorted(ids)) if a and filters.accepts(a)]  # type: ignore[arg-type]
    meta = {a.id: Copy(article_id=a.id, title=a.title, source=a.source, published_at=a.published_at)
            for a in arts}
    texts = {a.id: a.text for a in arts}

    def cite(f: Figure) -> Citation:
        m = meta[f.article_id]
        chunk = next((c for c in store.article_passages(f.article_id) if c.start <= f.start < c.end), None)
        return Citation(n=0, chunk_id=chunk.chunk_id if chunk else "", article_id=f.article_id, title=m.title,
                        source=m.source, published_at=m.published_at, start=f.start, end=f.end,
                        quote=texts[f.article_id][f.start:f.end])

    return conflicts(texts, cite, lambda xs: embed_batch(xs, settings.embed_batch_size, settings.embedder))
