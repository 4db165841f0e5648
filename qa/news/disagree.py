"""Disagreements: the same quantity reported differently by different articles ("more than
1,000 arrests" vs "1,035 arrests" agree; "£260 million shortfall" vs "£240 million shortfall"
don't), each side with its citation.

A figure is a number, what it counts (the words after it: "arrests", "funding shortfall",
with its currency) and its bound ("more than", "about", "up to" or exact). Two figures of
different articles are about the same thing when they count the same words and their
sentences say the same otherwise: the same sentence with other numbers (an edited copy; then
the figures pair by their place in it), or sentences alike in meaning (embedding similarity)
whose figures lie within a factor of 3 (63 officers in one team and 33,000 in the force are
not one quantity reported twice). They disagree when no value fits both bounds. Figures
inside one article are never compared with each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, Field

from qa.index.chunking import split_sentences
from qa.models import Citation, Copy
from qa.numbers import number_matches

__all__ = ["Claim", "Conflict", "Figure", "conflicts", "figures_of"]

_SCALE = {"million", "billion", "thousand", "trillion", "percent", "per", "cent", "m", "bn", "k"}
_LEAD = {"more", "new", "extra", "additional", "further", "other", "of", "the", "a", "an", "about"}
_STOP = {"to", "and", "or", "in", "on", "at", "for", "with", "by", "from", "as", "that", "which",
         "who", "this", "were", "was", "is", "are", "have", "has", "had", "been", "be", "it",
         "their", "its", "than", "since", "over", "across", "into", "per", "each", "a", "an", "the"}
_AT_LEAST = re.compile(r"\b(?:more than|over|at least|above|upwards of|in excess of)\s+[£$€]?$", re.I)
_AT_MOST = re.compile(r"\b(?:fewer than|less than|under|up to|at most|below)\s+[£$€]?$", re.I)
_ABOUT = re.compile(r"\b(?:around|about|nearly|almost|some|roughly|approximately|close to)\s+[£$€]?$", re.I)
_NUMBER_FIRST = re.compile(r"^\W*[\d.,]+\s*(?:(?:million|billion|thousand|trillion|bn|m|k|percent|"
                           r"per cent)\b|%)?\s*", re.I)
APPROX = 0.1  # "about 1,000" fits 900-1,100
MAX_RATIO = 3.0  # two reports of one quantity differ by less than this factor


class Claim(BaseModel):
    figure: str = Field(description="The figure as written, with its bound: 'more than 1,000 arrests'.")
    value: float
    citation: Citation


class Conflict(BaseModel):
    quantity: str = Field(description="What the figures count, as compared: 'arrest', '£ funding "
                          "shortfall'.")
    about: str = Field("", description="The same, as written after the first figure: 'funding "
                       "shortfall', 'resulting in charges or cautions'.")
    claims: list[Claim] = Field(description="The figures, one per article, that no value fits together.")


@dataclass
class Figure:
    article_id: str
    quantity: str
    value: float
    low: float
    high: float
    phrase: str
    start: int  # the sentence's span in the article text
    end: int
    place: int  # which figure of its sentence
    masked: str  # the sentence with its numbers masked


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _quantity(sentence: str, m: re.Match) -> str:
    words = re.findall(r"[A-Za-z][A-Za-z\-']*|%", sentence[m.end():m.end() + 80])
    words = [w.lower() for w in words]
    while words and words[0] in _SCALE | _LEAD | {"%"}:
        words = words[1:]
    kept = []
    for w in words[:2]:
        if w in _STOP:
            break
        kept.append(_singular(w))
    currency = sentence[m.start() - 1] if m.start() and sentence[m.start() - 1] in "£$€" else ""
    return " ".join(([currency] if currency else []) + kept)


def _bounds(before: str, value: float) -> tuple[float, float, str]:
    if q := _AT_LEAST.search(before):
        return value, float("inf"), q.group(0)
    if q := _AT_MOST.search(before):
        return 0.0, value, q.group(0)
    if q := _ABOUT.search(before):
        return value * (1 - APPROX), value * (1 + APPROX), q.group(0)
    return value, value, ""


def figures_of(article_id: str, text: str) -> list[Figure]:
    """The article's figures that count something (years and bare numbers are left out)."""
    out = []
    for s, e in split_sentences(text):
        sentence = text[s:e]
        found = number_matches(sentence)
        masked = sentence
        for m, _ in reversed(found):
            masked = masked[:m.start()] + "#" + masked[m.end():]
        for place, (m, value) in enumerate(found):
            if re.fullmatch(r"(19|20)\d\d", m.group(0).strip()):
                continue
            quantity = _quantity(sentence, m)
            if not quantity.strip("£$€ "):
                continue
            low, high, bound = _bounds(sentence[:m.start()], value)
            currency = len(quantity) - len(quantity.lstrip("£$€"))
            start = m.start() - (len(bound) if bound else currency)
            after = re.match(r"(?:\s+[^\s,;:.]+){0,5}", sentence[m.end():]).group(0)  # type: ignore[union-attr]
            phrase = (sentence[max(start, 0):m.end()] + after).strip()
            out.append(Figure(article_id, quantity, value, low, high, phrase, s, e, place, masked))
    return out


def conflicts(texts: dict[str, str], cite, embed, same_context: float = 0.6) -> list[Conflict]:
    """Conflicting figures across the given articles (id -> text). cite(figure) -> Citation;
    embed(list of sentences) -> unit vectors; same_context: the similarity above which two
    sentences with a figure of the same quantity report the same thing."""
    figs = [f for aid, text in texts.items() for f in figures_of(aid, text)]
    if len(figs) < 2:
        return []
    vecs = embed([texts[f.article_id][f.start:f.end] for f in figs])
    pairs: list[tuple[Figure, Figure]] = []
    for i, a in enumerate(figs):
        for j in range(i + 1, len(figs)):
            b = figs[j]
            if b.article_id == a.article_id or b.quantity != a.quantity:
                continue
            if a.masked == b.masked:
                same = a.place == b.place
            else:
                ratio = max(a.value, b.value) / max(min(a.value, b.value), 1e-9)
                same = ratio < MAX_RATIO and float(vecs[i] @ vecs[j]) >= same_context
            if same and (a.high < b.low * (1 - 1e-9) or b.high < a.low * (1 - 1e-9)):
                pairs.append((a, b))
    return _merge(pairs, cite)


def _merge(pairs: list[tuple[Figure, Figure]], cite) -> list[Conflict]:
    """One Conflict per quantity and set of figures linked by a disagreement."""
    groups: list[list[Figure]] = []
    for a, b in pairs:
        hit = [g for g in groups if g[0].quantity == a.quantity and (a in g or b in g)]
        merged = [f for g in hit for f in g] + [a, b]
        groups = [g for g in groups if g not in hit] + [list({id(f): f for f in merged}.values())]
    out = []
    for g in groups:
        claims: dict[tuple[float, float], Claim] = {}  # one per figure; the others saying it: also_in
        cites = {id(f): cite(f) for f in g}
        for f in sorted(g, key=lambda f: (f.value, cites[id(f)].published_at, f.article_id)):
            c = cites[id(f)]
            if (f.low, f.high) in claims:
                claims[(f.low, f.high)].citation.also_in.append(Copy(
                    article_id=c.article_id, title=c.title, source=c.source, published_at=c.published_at))
            else:
                claims[(f.low, f.high)] = Claim(figure=f.phrase, value=f.value, citation=c)
        about = _NUMBER_FIRST.sub("", min((c.figure for c in claims.values()), key=len))
        out.append(Conflict(quantity=g[0].quantity, about=about, claims=list(claims.values())))
    return out
