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
    from qa.check.cite import check_sentences
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


_WORD = re.compile(r"[a-z0-9£$€%]+(?:[.,'][a-z0-9]+)*")
SUPPORT_SHARE = 0.7  # of the shorter text's words the other must hold, for a quote to be a gold sentence


def _words(text: str) -> list[str]:
    return _WORD.findall(_norm(text))


def quote_is_gold(quote: str, gold: str) -> bool:
    """Is the cited quote one of the gold supporting sentences (or a sentence of it, or does it
    hold it)? Graded by words alone, not by qa's checker: one text holds the other, or the
    shorter's words (of 5 or more) are at least SUPPORT_SHARE in the other."""
    q, g = _words(quote), _words(gold)
    if not q or not g:
        return False
    if " ".join(g) in " ".join(q) or (len(q) >= 5 and " ".join(q) in " ".join(g)):
        return True
    short, other = (q, set(g)) if len(q) <= len(g) else (g, set(q))
    return len(short) >= 5 and sum(w in other for w in short) / len(short) >= SUPPORT_SHARE


def cited_support(quotes: list[str], support: list[str], cite: str | None,
                  groups: list[list[str]]) -> bool | None:
    """Does a shown citation support the answer? A quote that is a gold sentence (`support`),
    or holds the case's `cite` words; without either, the quotes together state every expected
    fact (yes/no facts cannot be read off a quote: None then, not graded)."""
    if support:
        return any(quote_is_gold(q, g) for q in quotes for g in support)
    if cite:
        return any(_norm(cite) in _norm(q) for q in quotes)
    facts = [g for g in groups if not {_norm(a) for a in g} <= {"yes", "no"}]
    if not facts or len(facts) < len(groups):
        return None
    return facts_ok(facts, " ".join(quotes))


VERDICTS = {"yes", "no", "similar", "different", "before", "after", "same", "consistent",
            "inconsistent", "higher", "lower", "more", "fewer", "earlier", "later"}


def is_verdict(direct: str) -> bool:
    """A one-word verdict (Yes / No / Before ...), as a direct answer."""
    return _norm(direct).rstrip(".!") in VERDICTS


def _verdict_group(group: list[str]) -> bool:
    return all(is_verdict(a) for a in group)


def stated_wrong(direct: str, text: str, groups: list[list[str]], must_not: list[str]) -> bool:
    """Is the shown answer stated but false? It names what must not appear; or its verdict
    (Yes / No / Before ...) is not the expected one; or it matches none of the expected facts'
    groups while they ask for a name, number or date. Reasons without a verdict, for a question
    expecting one, are incomplete, not wrong."""
    if any(_norm(x) in _norm(text) for x in must_not):
        return True
    verdicts = [g for g in groups if _verdict_group(g)]
    if direct and is_verdict(direct) and verdicts:
        return not all(any(matches(a, direct) for a in g) for g in verdicts)
    facts = [g for g in groups if not _verdict_group(g)]
    return bool(facts) and not any(any(matches(a, f"{direct} {text}") for a in g) for g in facts)
