"""Comparison and ordering answers composed in code, each part from its own cited sentence.

For a question qa.answer.parts splits into parts (a claim per outlet, or two reports to put in
order), each part is looked for on its own: a search filtered to the outlet it names, the
sentences of the best chunks ranked for the part's claim (qa.answer.evidence.score), and the
best few put to the model one at a time, as the support check puts a claim (its P(yes) that
the sentence, with the one before it when it leans on it, states the claim). The first that
reaches `support_p_threshold` is the part's evidence, cited to that sentence, char-exact.

The verdict is then code, not the model's reading of the whole question:
- both: every part stated -> "Yes.", shown with each part's cited sentence;
- order: each part's article date, from the store -> "Yes."/"No." (before/after) or the
  earlier (later) part's outlet or topic (first/last), shown with both cited sentences and
  their dates.
A part not found is said to be not found (a gap naming the outlet searched), beside the
parts that were found, cited: a partial answer, with no verdict. No "No." is composed from a
part not found: not finding a claim is not reading its denial. Such a partial answer is shown
only where the question, asked whole (qa.answer.ask), would be refused; when no part is found
the question is answered as any other.
"""

from __future__ import annotations

import time

from pydantic import BaseModel

from qa.answer import evidence
from qa.answer.parts import Part, Plan
from qa.check.cite import against, citations_of
from qa.check.markers import render_sentences
from qa.check.support import Scorer, support_messages
from qa.config import Settings
from qa.index.filters import Filters, date_number
from qa.index.retrieve import search
from qa.index.store import Store
from qa.models import Answer, Passage, Sentence, Span

__all__ = ["Found", "compose", "find"]

PART_CHUNKS = 4  # chunks searched per part
CANDIDATES = 3  # sentences per part put to the model, best-ranked first


class Found(BaseModel):
    """What was found for one part: its best sentence (as a passage over that span) and the
    model's P(yes) that it states the part's claim."""

    part: Part
    passage: Passage | None = None
    p_yes: float = 0.0
    stated: bool = False


def find(part: Part, settings: Settings, store: Store, scorer: Scorer,
         filters: Filters | None = None) -> Found:
    """The part's evidence: the first of its best-ranked sentences that states its claim, or
    the best of those tried when none does."""
    f = (filters or Filters()).model_copy(update={"source": part.outlet}) if part.outlet else filters
    hits = search(store, part.claim, settings.retrieval, k=PART_CHUNKS, filters=f)
    if not hits:
        return Found(part=part)
    texts = {a: store.text(a) for a in {h.article_id for h in hits}}
    scored = evidence.score(part.claim, hits, texts, settings.embedder)
    ranked = sorted(range(len(scored.cands)), key=scored.scores.__getitem__, reverse=True)
    best = Found(part=part)
    threshold = settings.answer.support_p_threshold
    for i in ranked[:CANDIDATES]:
        context = evidence.as_passages(evidence.with_context(i, scored, texts), scored, texts)
        p_yes = scorer(settings, support_messages(context, part.claim))
        if p_yes is None:
            return best
        p, start, end, _ = scored.cands[i]
        if best.passage is None or p_yes > best.p_yes:
            one = p.model_copy(update={"start": start, "end": end, "text": texts[p.article_id][start:end]})
            best = Found(part=part, passage=one, p_yes=round(p_yes, 3), stated=p_yes >= threshold)
        if best.stated:
            break
    return best


def compose(question: str, plan: Plan, settings: Settings, store: Store, scorer: Scorer | None,
            filters: Filters | None = None, extra: dict | None = None) -> Answer | None:
    """The answer composed from the plan's parts, or None when the model gives no
    probabilities or no part is found (then the question is answered as any other)."""
    if scorer is None:
        return None
    extra = extra if extra is not None else {}
    t = time.perf_counter()
    founds = [find(p, settings, store, scorer, filters) for p in plan.parts]
    extra.setdefault("timings", {})["compose"] = time.perf_counter() - t
    if not any(f.stated for f in founds):
        return None
    passages = [f.passage for f in founds if f.stated and f.passage is not None]
    texts = {p.article_id: store.text(p.article_id) for p in passages}
    shown, n = [], 0
    for k, f in enumerate(founds, 1):
        if f.stated:
            n += 1
        shown.append(_part_sentence(k, f, n, settings.answer.support_p_threshold))
    verdict = _verdict(plan, founds)
    kept = [s for s in shown if s.kind == "claim"]
    body = render_sentences(shown)
    sentences = ([verdict] if verdict else []) + shown
    return Answer(question=question, answer=verdict.text.rstrip(".") if verdict else "",
                  text=f"{verdict.text} {body}" if verdict else body, sentences=sentences,
                  citations=citations_of(kept, passages, texts), passages=passages,
                  checked_by="rules+model", **extra)


def _part_sentence(k: int, f: Found, n: int, threshold: float) -> Sentence:
    where = f"{f.part.outlet}'s articles" if f.part.outlet else "the articles"
    if not f.stated or f.passage is None:
        tried = f"; its best sentence: {against('P(yes)', f.p_yes, threshold)}" if f.passage else ""
        return Sentence(text=f"Searched {where} for “{f.part.claim}”: none of their sentences states it.",
                        kind="gap",
                        citations=[], reason=f"part {k} of the question, searched in {where}{tried}")
    p = f.passage
    return Sentence(text=f"{p.source or p.title}, {p.published_at[:10] or 'undated'}: “{p.text.strip()}”",
                    citations=[n], spans=[Span(n=n, start=p.start, end=p.end)], support=f.p_yes,
                    reason=f"part {k} of the question ('{f.part.claim}'), found in {where}: "
                           f"{against('P(yes)', f.p_yes, threshold)}; the article's own sentence, quoted")


def _verdict(plan: Plan, founds: list[Found]) -> Sentence | None:
    """The verdict code draws from the parts, or None when they do not settle it."""
    if not all(f.stated and f.passage for f in founds):
        return None
    if plan.kind == "both":
        return Sentence(text="Yes.", kind="answer", support=min(f.p_yes for f in founds),
                        reason="composed in code: every part is stated, each by its cited sentence")
    a, b = (date_number(f.passage.published_at) for f in founds if f.passage)
    if not a or not b or a == b:
        return None  # undated, or the same day: the order is not known
    first_is_earlier = a < b
    if plan.relation in ("before", "after"):
        yes = first_is_earlier == (plan.relation == "before")
        text = ("Before." if first_is_earlier else "After.") if plan.either else ("Yes." if yes else "No.")
    else:
        pick = founds[0] if first_is_earlier == (plan.relation == "first") else founds[1]
        text = f"{_label(pick, founds)}."
    return Sentence(text=text, kind="answer", support=min(f.p_yes for f in founds),
                    reason="composed in code from the cited articles' dates")


def _label(pick: Found, founds: list[Found]) -> str:
    """The part as the reader tells it apart: its outlet, when the parts' outlets differ."""
    outlets = {f.passage.source for f in founds if f.passage}
    if len(outlets) == len(founds) and pick.passage is not None and pick.passage.source:
        return pick.passage.source
    return f"The report on {pick.part.claim}"
