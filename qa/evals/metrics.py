"""Metrics of one eval run: facts, refusals, citations (ALCE), retrieval, latency."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from qa.numbers import number_matches, number_values


def _norm(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


def matches(alternative: str, answer: str) -> bool:
    """Does the answer state this alternative? Numbers compare by value ("£260m" =
    "£260 million"); yes/no must open the answer; other text must occur as whole words,
    case-blind ("PA" is not in "part")."""
    alt = _norm(alternative)
    text = _norm(answer)
    if alt in {"yes", "no"}:
        return re.match(rf"^\W*{alt}\b", text) is not None
    values = number_values(alternative)
    if values:
        if not values <= number_values(answer):
            return False
        rest = alt
        for match, _ in reversed(number_matches(alt)):
            rest = rest[:match.start()] + " " + rest[match.end():]
        words = re.sub(r"[£$€%]", " ", rest).split()
        return all(_has_words(w, text) for w in words)
    return _has_words(alt, text)


def _has_words(phrase: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def multihop_match(prediction: str, gold: str) -> bool:
    """MultiHop-RAG's own answer metric (its qa_evaluate.py): the lower-cased prediction and
    gold answer share at least one whitespace-separated word. Lenient: reported beside ours.
    The original reads the prediction out of the model's 'The answer to the question is "X"'
    (the quotes and the stop after them fall away); here the direct answer plays that part, so
    its closing stop goes too ("Yes." is "yes", as the original would have read it)."""
    bare = re.sub(r"[.!?]+$", "", prediction.strip())
    return bool(set(bare.lower().split()) & set(gold.lower().split()))


def facts_ok(groups: list[list[str]], answer: str) -> bool:
    return all(any(matches(a, answer) for a in group) for group in groups)


def rate(values: Sequence[bool] | Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def retrieval_ranks(texts: list[str], gold_facts: list[str]) -> list[bool]:
    """Relevance of each retrieved text: it contains a gold evidence sentence."""
    gold = [_norm(g) for g in gold_facts]
    return [any(g in _norm(t) for g in gold) for t in texts]


def hits_at(rel: list[bool], k: int) -> float:
    return float(any(rel[:k]))


def mrr_at(rel: list[bool], k: int = 10) -> float:
    return next((1.0 / (i + 1) for i, r in enumerate(rel[:k]) if r), 0.0)


def map_at(rel: list[bool], n_gold: int, k: int = 10) -> float:
    """Average precision over the top k, normalised by min(max(gold facts, relevant hits), k)
    (overlapping chunks can hold the same gold fact twice)."""
    hits, total = 0, 0.0
    for i, r in enumerate(rel[:k]):
        if r:
            hits += 1
            total += hits / (i + 1)
    return total / min(max(n_gold, hits, 1), k)


def alce(sentences, passages, texts: dict[str, str], threshold: float) -> tuple[float, float] | None:
    """ALCE citation recall and precision of one answer, judged by qa's checker.

    recall: share of sentences whose citations together support them;
    precision: share of citations that support their sentence alone, or without which the
    rest no longer do."""
    from qa.cite import check_sentences
    from qa.models import Sentence

    def supported(text: str, cites: list[int]) -> bool:
        if not cites:
            return False
        s = Sentence(text=text, citations=cites)
        check_sentences([s], passages, texts, threshold, recite=False)
        return s.supported

    if not sentences:
        return None
    rec = [supported(s.text, s.citations) for s in sentences]
    prec: list[bool] = []
    for s, ok in zip(sentences, rec):
        for c in s.citations:
            alone = supported(s.text, [c])
            needed = ok and not supported(s.text, [x for x in s.citations if x != c])
            prec.append(alone or needed)
    return sum(rec) / len(rec), (sum(prec) / len(prec) if prec else 0.0)
