"""The article's own sentence in place of drafted claims that all failed their check.

When no claim of a draft passes its check, the answer would be a refusal, yet the model has
often only restated a sentence of the passages in words the check cannot pass ("London" for
"the capital", a qualifier such as "around" dropped, a figure put beside the wrong noun).
Then the sentence it restated is shown instead, word for word and cited: the user gets what
the article says rather than "The articles don't say." A passage sentence stands in for a
claim only when it holds every figure of the claim and most of its content words, so a
claim that brings a figure of its own, or is mostly about something else, stays rejected.
Nor does one stand in for a claim the rules found saying something else than the passage: a
negation the passage lacks ("guilty" for "pleaded not guilty"), or words put in the mouth of
a speaker the passage does not name ("Tim Cook said ..." over "..., Cue said"). The passage's
sentence would then be shown as the answer to a question it does not answer.
"""

from __future__ import annotations

from qa.check.cite import reports_speech
from qa.check.words import content_words, overlap
from qa.index.chunking import passage_sentences
from qa.models import Passage, Sentence, Span
from qa.numbers import number_values

__all__ = ["RESTATED_SHARE", "differs", "restated"]

RESTATED_SHARE = 2 / 3  # of a claim's content words that the passage sentence must hold
_SAYS_OTHERWISE = ("negation differs", "not attributed to")  # the rules' reasons (qa.check.cite)


def differs(claim: Sentence) -> bool:
    """Did the rules reject the claim for saying something else than its passage: a negation
    that differs, words attributed to another speaker, or a speaker the passages do not name?"""
    if any(why in claim.reason for why in _SAYS_OTHERWISE):
        return True
    return claim.reason.startswith("name '") and reports_speech(claim.text)


def restated(rejected: list[Sentence], passages: list[Passage], texts: dict[str, str]) -> list[Sentence]:
    """For each rejected claim, the passage sentence it restates (see the module's notes), as
    a supported claim cited to its passage; each passage sentence once, in the claims' order."""
    out: list[Sentence] = []
    seen: set[tuple[int, int]] = set()
    for claim in rejected:
        if claim.kind != "claim" or claim.supported or differs(claim):
            continue
        found = _source_of(claim, passages, texts)
        if found is None or found[:2] in seen:
            continue
        seen.add(found[:2])
        n, start, end = found
        why = claim.reason.split(";")[0]
        out.append(Sentence(text=texts[passages[n - 1].article_id][start:end], citations=[n],
                            spans=[Span(n=n, start=start, end=end)],
                            reason=f"the passage's own sentence, copied word for word (the model not "
                                   f"asked), in place of the draft's \"{claim.text[:80]}\" ({why})"))
    return out


def _source_of(claim: Sentence, passages: list[Passage], texts: dict[str, str]
               ) -> tuple[int, int, int] | None:
    """(passage number, start, end) of the passage sentence holding every figure of the
    claim and the largest share (at least RESTATED_SHARE) of its content words; the claim's
    own citations win a tie."""
    if len(content_words(claim.text)) < 2:
        return None  # "200%", "Yes": nothing to match a sentence by
    figures = number_values(claim.text)
    found: dict[tuple[int, int, int], float] = {}  # (n, start, end) -> share, in passage order
    for n, start, end in passage_sentences(passages, texts):
        text = texts[passages[n - 1].article_id][start:end]
        share = overlap(claim.text, text)
        if share >= RESTATED_SHARE and figures <= number_values(text):
            found[(n, start, end)] = share
    # max keeps the first of equals: the earliest passage and sentence
    return max(found, key=lambda k: (found[k], k[0] in claim.citations), default=None)
