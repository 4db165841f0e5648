"""The direct answer to a yes/no question: decided from the model's P(yes), not sampled.

A question that asks yes or no ("Did the Met say it would double its use?", "Does The Verge
report X, while TechCrunch says Y?") is answered Yes when the model, reading the same
evidence as the answer prompt (laid out the same, so llama.cpp reads only the question's
tail), gives "yes" a probability at or above a threshold tuned on one split of labelled
questions and reported on another (bench/verdict.py); No otherwise. A question that joins
claims with "while", "whereas" or a semicolon can be decided by its claims instead
(`polar_parts`): each asked on its own, beside the whole question, the least likely deciding;
off by default, since on the tuning split the whole question's P(yes) decided better.

A question that chooses between two opposite words ("Has the stance remained consistent or
inconsistent?", "... before or after ...?") is asked of the first word alone, and answered
with the word that holds.

The verdict is the model's calibrated reading of the cited evidence, shown with that
probability; the reasons under it are sentences checked like any other.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from qa import prompts
from qa.answer.questions import Choice, choice
from qa.check.cite import against
from qa.check.support import Scorer
from qa.models import Passage

__all__ = ["Verdict", "parts", "verdict"]

# Claims joined in one question: "Does A say X, while B says Y?"; "... X; and B ...".
_JOINS = re.compile(r",?\s+(?:while|whereas)\s+|;\s+(?:and\s+)?", re.IGNORECASE)
_MIN_PART_WORDS = 4  # "..., while true?" is not a claim of its own


class Verdict(BaseModel):
    """Yes or No, and what it was decided from."""

    answer: str = Field(description="'Yes' or 'No'; for a choice between two opposite words, "
                        "the one that holds.")
    p_yes: float = Field(description="The deciding P(yes): the whole question's, or the least of its parts'.")
    threshold: float
    parts: list[tuple[str, float]] = Field(
        default_factory=list, description="Each joined claim and its P(yes), when the question joins claims.")
    choice: Choice | None = Field(None, description="The two opposite words the question chose between.")

    def reason(self) -> str:
        what = f"P({self.choice.first})" if self.choice else "P(yes)"
        how = against(what, self.p_yes, self.threshold)
        if self.parts:
            return f"{how}, the least of its {len(self.parts)} parts' (each must hold)"
        return how


def parts(question: str) -> list[str]:
    """The claims a yes/no question joins with "while", "whereas" or ";" (each of
    `_MIN_PART_WORDS` words or more); [] when it joins none."""
    pieces = [p.strip(" ,;?") for p in _JOINS.split(question.strip())]
    pieces = [p for p in pieces if len(p.split()) >= _MIN_PART_WORDS]
    return pieces if len(pieces) >= 2 else []


def scores(question: str, passages: list[Passage], settings, scorer: Scorer,
           with_parts: bool = True) -> tuple[float | None, list[tuple[str, float]]]:
    """(the whole question's P(yes), [(part, P(yes))...]); None when the model gives no probability."""
    q = question.strip()
    whole = scorer(settings, prompts.messages("polar", passages, question=q))
    if whole is None or not with_parts:
        return whole, []
    found = []
    for part in parts(q):
        p = scorer(settings, prompts.messages("polar_part", passages, question=q, part=part))
        found.append((part, p if p is not None else whole))
    return whole, found


def verdict(question: str, passages: list[Passage], settings, scorer: Scorer) -> Verdict | None:
    """Yes or No for a yes/no question over the passages (for a choice between two opposite
    words, "consistent or inconsistent?", the word that holds: the first when the question
    asked of it alone gets yes); None when the model gives no probability (then the answer's
    own words stand)."""
    alt = choice(question)
    whole, found = scores(alt.asked if alt else question, passages, settings, scorer,
                          settings.answer.polar_parts)
    if whole is None:
        return None
    p = min(s for _, s in found) if found else whole
    th = settings.answer.polar_threshold
    yes = p >= th
    answer = (alt.first if yes else alt.second).capitalize() if alt else ("Yes" if yes else "No")
    return Verdict(answer=answer, p_yes=round(p, 3), threshold=th, parts=found, choice=alt)
