"""What a question asks for, and whether the shown answer gives it.

"How many police jobs are going?" asks for a count. An answer whose every shown sentence is
true and cited, yet names no number ("The Met will double its use of facial recognition
[2]."), answers another question: shown, it reads as the answer and misleads. So a question
that asks how many, how much or what share is answered only when a shown, checked sentence
(or the direct answer) gives a quantity; otherwise it is refused, and the refusal lists the
closest passages for the reader to judge (qa.answer.refusals). While the answer streams,
its sentences wait until one gives a quantity, then go out in order: nobody sees a sentence
that a later refusal takes back.

Only quantities are asked for by rule: they are plain to recognise in any sentence. Who,
when and where have answers of many shapes ("the prosecutors", "after the vote"), which no
rule tells from a non-answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from qa.models import Sentence
from qa.numbers import number_values

__all__ = ["Awaited", "Kind", "asked_for", "gives", "missing"]

Kind = Literal["count", "amount"]

# the question's first words; a count is of things ("how many"), an amount of anything
# ("how much", "what share")
_COUNT = re.compile(r"^\W*how\s+many\b", re.IGNORECASE)
_AMOUNT = re.compile(r"^\W*(?:how\s+much|what\s+(?:share|percentage|percent|proportion|fraction|"
                     r"number|amount|sum)\b)", re.IGNORECASE)
_NONE = r"none|zero|no|nobody|no one|nothing|dozens|scores|hundreds|thousands|millions|billions"
_COUNT_WORDS = re.compile(rf"\b(?:{_NONE})\b", re.IGNORECASE)
_AMOUNT_WORDS = re.compile(rf"\b(?:{_NONE}|half|double|doubled|twice|triple|tripled|third|quarter)\b",
                           re.IGNORECASE)


def asked_for(question: str) -> Kind | None:
    """"count" for "how many ...", "amount" for "how much ...", "what share ..." and the like;
    None for any other question."""
    if _COUNT.match(question):
        return "count"
    if _AMOUNT.match(question):
        return "amount"
    return None


def gives(kind: Kind, text: str) -> bool:
    """Does the text give what the question asks for: a number ("1,400", "seven", "94%"), or
    a word that stands for one ("none", "hundreds"; for an amount also "half", "double")?"""
    words = _COUNT_WORDS if kind == "count" else _AMOUNT_WORDS
    return bool(number_values(text)) or bool(words.search(text))


def missing(kind: Kind | None, shown: list[Sentence]) -> str:
    """Why the shown sentences do not answer the question, or "" when they do (or it asks for
    nothing in particular)."""
    if kind is None or any(gives(kind, s.text) for s in shown):
        return ""
    return f"no shown sentence gives the {kind} the question asks for"


class Awaited:
    """Sentences held back from `emit` until one gives what the question asks for; then that
    one and every one before it go out, in order, and the rest as they come."""

    def __init__(self, kind: Kind | None, emit: Callable[[Sentence], None]):
        self.kind, self.emit = kind, emit
        self.held: list[Sentence] = []
        self.open = kind is None

    def __call__(self, s: Sentence) -> None:
        if self.open:
            self.emit(s)
            return
        self.held.append(s)
        if s.shown and s.kind == "claim" and gives(self.kind, s.text):  # type: ignore[arg-type]
            self.flush()

    def flush(self) -> None:
        """Hand out what is held (the direct answer gave what was asked)."""
        self.open = True
        for h in self.held:
            self.emit(h)
        self.held = []
