"""Evidence: the sentences of the retrieved chunks that bear on the question, under a token
budget, with their character offsets kept.

The local model reads ~20-90 prompt tokens a second on these machines, so what it reads
decides the wait: whole chunks cost ~1,000 tokens a question, the sentences that matter a
third of that. Each piece of evidence is a Passage over `article.text[start:end]` (one
sentence, or a run of neighbouring ones), so citations stay char-exact downstream.

Selection, per question:
1. every sentence of the retrieved chunks is scored (not headings, short lines without a stop:
   they state nothing to cite): cosine to the question, plus the share of the question's
   content words it contains, plus a little for its chunk's retrieval rank;
2. each article's best sentence is taken first, in the order of the articles' best chunks
   (a question across articles needs something from each), then the best of the rest, while
   the estimated tokens fit the budget;
3. a sentence that leans on the one before it (it opens with a pronoun, a quotation's
   continuation or a connective: who said it, what "it" is) brings that sentence along;
4. touching sentences of one article merge into one span; the pieces are put in canonical
   order (article date, article id, offset), so the same evidence gives the same prompt and
   the model's prompt cache is reused between the gate and the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from qa.check.words import content_words
from qa.config import EvidenceSettings
from qa.index.chunking import split_sentences
from qa.models import Passage
from qa.prompts import CHARS_PER_TOKEN, PASSAGE_OVERHEAD_TOKENS

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Scored", "as_passages", "score", "select", "with_context"]

_REFERS = (r"he|she|they|it|its|this|that|these|those|his|her|their|the (company|firm|group|"
           r"minister|spokesperson|spokesman|spokeswoman|report|move|decision|deal|plan)")
_LEANS = re.compile(rf"^[\"“‘']?({_REFERS}|but|and|however|also|meanwhile)\b", re.IGNORECASE)
_REFERS_BACK = re.compile(rf"^[\"“‘']?({_REFERS})\b", re.IGNORECASE)
_ASKING = {"how", "many", "much", "does", "do", "did", "think", "say", "tell", "me", "please",
           "know", "want", "happened", "happen", "any", "some", "other", "whose", "whom", "is", "are"}
_STOPPED = re.compile(r"[.!?…:;][\"'”’)\]]*$")
HEADING_WORDS = 8  # a line without a stop and at most this many words is a heading
RANK_WEIGHT = 0.05  # score lost per retrieval rank of the sentence's chunk
FIRST_MARGIN = 0.5  # an article's best sentence goes first if it scores within this of the best


class Scored(NamedTuple):
    """Every distinct sentence of the retrieved chunks, scored for a question."""
    cands: list[tuple[Passage, int, int, int]]  # (passage, start, end, rank of its chunk)
    scores: list[float]
    vecs: np.ndarray  # unit vectors of the sentences, one row each


def score(question: str, passages: list[Passage], texts: dict[str, str], embedder: str = "minilm",
          prefer: Callable[[str], float] | None = None) -> Scored:
    """Each sentence's score: cosine to the question, plus the share of the question's
    content words it holds, less a little per retrieval rank of its chunk, plus `prefer`."""
    from qa.index.embed import embed_batch

    cands = _sentences(passages, texts)
    vecs = embed_batch([question] + [texts[p.article_id][s:e] for p, s, e, _ in cands],
                       embedder=embedder)  # type: ignore[arg-type]
    qwords = _stems(question)
    scores = []
    for (p, s, e, rank), v in zip(cands, vecs[1:]):
        words = _stems(texts[p.article_id][s:e])
        lexical = len(qwords & words) / len(qwords) if qwords else 0.0
        bonus = prefer(texts[p.article_id][s:e]) if prefer else 0.0
        scores.append(float(v @ vecs[0]) + lexical - RANK_WEIGHT * rank + bonus)
    return Scored(cands, scores, vecs[1:])


def select(question: str, passages: list[Passage], texts: dict[str, str], settings: EvidenceSettings,
           embedder: str = "minilm", required: list[str] | None = None,
           prefer: Callable[[str], float] | None = None) -> list[Passage]:
    """The evidence for question from the retrieved passages (best first), as passages over
    sentence spans, in canonical order. The `required` articles (the best of each outlet or
    day the question names) give their best sentence first, whatever it scores; `prefer`
    adds to a sentence's score."""
    scored = score(question, passages, texts, embedder, prefer)
    if not scored.cands:
        return []
    picked = _pick(scored.cands, scored.scores, texts, settings.tokens, required or [])
    return as_passages(picked, scored, texts)


def with_context(i: int, scored: Scored, texts: dict[str, str], connectives: bool = True) -> set[int]:
    """Sentence i and the one before it when it leans on that one (see the module's notes);
    with `connectives` off, only when it refers back (he, it, the company): a summary
    sentence opening with "However" is understood without what came before."""
    return {i, *_leans_on(i, scored.cands, texts, _LEANS if connectives else _REFERS_BACK)}


def as_passages(picked: set[int], scored: Scored, texts: dict[str, str]) -> list[Passage]:
    """Picked sentences as passages over their article spans (touching ones of an article
    merged), in canonical order."""
    return _merge(picked, scored.cands, scored.scores, texts)


def _sentences(passages: list[Passage], texts: dict[str, str]) -> list[tuple[Passage, int, int, int]]:
    """(passage, start, end, rank of its chunk) of every distinct sentence of the passages,
    headings left out."""
    seen: set[tuple[str, int]] = set()
    out = []
    for rank, p in enumerate(passages):
        for s, e in split_sentences(texts[p.article_id], p.start, p.end) or [(p.start, p.end)]:
            if _heading(texts[p.article_id][s:e]):
                continue
            if (p.article_id, s) not in seen:
                seen.add((p.article_id, s))
                out.append((p, s, e, rank))
    return out


def _heading(sentence: str) -> bool:
    """A line of a few words with no stop at its end: a subheading or a label ("High Street
    Policing", "Categories: Crime"). It states nothing to cite, and beside the sentence after
    it, the model wrote it back as a claim."""
    return len(sentence.split()) <= HEADING_WORDS and not _STOPPED.search(sentence)


def _stems(text: str) -> set[str]:
    """Content words cut to five letters ("charged" ~ "charges"), question words left out."""
    return {w[:5] for w in content_words(text) if w not in _ASKING}


def _tokens(picked: set[int], cands, texts) -> int:
    """Estimated prompt tokens of the picked sentences as they will be laid out: touching
    sentences of an article share one passage; each passage has a wrapper, and the first
    passage of an article its title and outlet too."""
    total, seen = 0, set()
    for p, s, e, _ in _runs(picked, cands, texts):
        total += (e - s) // CHARS_PER_TOKEN + PASSAGE_OVERHEAD_TOKENS
        if p.article_id not in seen:
            seen.add(p.article_id)
            total += (len(p.title) + len(p.source)) // CHARS_PER_TOKEN
    return total


def _pick(cands, scores, texts, budget: int, required: list[str]) -> set[int]:
    """Indices of the sentences chosen: the required articles' best, then each other close
    article's best, then the best of the rest, each with the sentence it leans on, while they
    fit the budget (at least one)."""
    order = sorted(range(len(cands)), key=lambda i: -scores[i])
    best: dict[str, int] = {}
    for i in order:
        best.setdefault(cands[i][0].article_id, i)
    firsts = {a: best[a] for a in required if a in best}
    for a, i in best.items():
        if scores[i] >= scores[order[0]] - FIRST_MARGIN:
            firsts.setdefault(a, i)
    queue = list(firsts.values()) + [i for i in order if i not in firsts.values()]
    picked: set[int] = set()
    for i in queue:
        grown = picked | {i, *_leans_on(i, cands, texts)}
        if not picked or _tokens(grown, cands, texts) <= budget:
            picked = grown
    return picked


def _leans_on(i: int, cands, texts, leans: re.Pattern = _LEANS) -> list[int]:
    """The sentence before cands[i] in its article, when cands[i] needs it to be understood
    and it is among the candidates."""
    p, s, _, _ = cands[i]
    if not leans.match(texts[p.article_id][s:s + 40]):
        return []
    before = [j for j, (q, _, e, _) in enumerate(cands)
              if q.article_id == p.article_id and e <= s and not texts[p.article_id][e:s].strip()]
    return before[:1]


def _runs(picked: set[int], cands, texts) -> list[tuple[Passage, int, int, int]]:
    """(passage, start, end, best index) of each run of touching picked sentences of one
    article, in canonical order: article date, article id, offset."""
    spans = sorted((cands[i][0].published_at[:10], cands[i][0].article_id, cands[i][1], cands[i][2], i)
                   for i in picked)
    runs: list[tuple[Passage, int, int, int]] = []
    for _, aid, s, e, i in spans:
        if runs and runs[-1][0].article_id == aid and not texts[aid][runs[-1][2]:s].strip():
            p, start, _, first = runs[-1]
            runs[-1] = (p, start, e, first)
        else:
            runs.append((cands[i][0], s, e, i))
    return runs


def _merge(picked: set[int], cands, scores, texts) -> list[Passage]:
    """Picked sentences as passages over their article spans."""
    return [p.model_copy(update={"start": s, "end": e, "text": texts[p.article_id][s:e],
                                 "score": scores[i]})
            for p, s, e, i in _runs(picked, cands, texts)]
