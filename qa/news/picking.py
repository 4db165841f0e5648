"""Which checked sentences a summary keeps: newsworthy ones preferred, repeats hidden, and
the first that fit the sentences and words asked for."""

from __future__ import annotations

import re

from qa.check.words import content_words
from qa.models import Sentence
from qa.numbers import number_values

__all__ = ["drop_repeats", "newsworthy", "pick"]


# Who said what, and how people reacted: a news summary gives the reaction after the news.
_SPEECH = re.compile(r"[\"“”]|\b(said|says|told|warned|added|according to|concerns?|concerned|"
                     r"critici[sz]\w*|condemn\w*|oppos\w*|objected|objections?|welcomed|praised)\b",
                     re.IGNORECASE)


def newsworthy(sentence: str) -> float:
    """What a summary prefers beside relevance to the subject: figures, and quotations and
    reactions."""
    return 0.2 * bool(number_values(sentence)) + 0.2 * bool(_SPEECH.search(sentence))


def drop_repeats(kept: list[Sentence], threshold: float = 0.6) -> list[Sentence]:
    """Sentences that state what an earlier shown one states (most of their content words
    are its) are hidden, with the reason."""
    out: list[Sentence] = []
    for s in kept:
        words = content_words(s.text)
        twin = next((i for i, o in enumerate(out, 1) if words and len(words & content_words(o.text))
                     / len(words | content_words(o.text)) >= threshold), None)
        if twin is not None and s.kind == "claim":
            s.shown, s.reason = False, f"repeats sentence {twin} of the summary"
            continue
        out.append(s)
    return out


def _words(s: Sentence) -> int:
    """Words of the sentence as shown, its citation markers ("[1][3]") counting as one."""
    return len(s.text.split()) + bool(s.citations)


def pick(kept: list[Sentence], n: int, max_words: int) -> list[Sentence]:
    """The first n claims in the order the model wrote them (it is told to lead with the news)
    that fit max_words together: the lead always stays; a later sentence that would overrun
    the words is skipped for a shorter one after it. The others are hidden with the reason."""
    claims = [s for s in kept if s.kind == "claim" and s.supported]
    chosen = claims[:1]
    words = sum(map(_words, chosen))
    for s in claims[1:]:
        if len(chosen) < n and words + _words(s) <= max_words:
            chosen.append(s)
            words += _words(s)
            continue
        s.shown = False
        s.reason = (f"beyond the {n} sentences asked for" if len(chosen) >= n
                    else f"would take the summary past {max_words} words")
    picked = {id(s) for s in chosen}
    return [s for s in kept if id(s) in picked or s.kind != "claim" or not s.supported]
