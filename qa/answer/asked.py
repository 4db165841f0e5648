"""What a question asks for, and whether the shown answer gives it.

"How many police jobs are going?" asks for a count. An answer whose every shown sentence is
true and cited, yet names no number ("The Met will double its use of facial recognition
[2]."), answers another question: shown, it reads as the answer and misleads. So a question
that asks how many, how much or what share is answered only when a shown, checked sentence
(or the direct answer) gives a quantity; otherwise it is refused, and the refusal lists the
closest passages for the reader to judge (qa.answer.refusals). While the answer streams,
its sentences wait until one gives a quantity, then go out in order: nobody sees a sentence
that a later refusal takes back. "How long is the Gaza strip?" likewise asks for a length or
a duration: "2.3 million residents" is a true, cited number, but no answer to it.

Quantities are asked for by rule: they are plain to recognise in any sentence; so is the role
a "who criticised / praised / backed ...?" question asks about (qa.answer.roles). Who, when
and where otherwise have answers of many shapes ("the prosecutors", "after the vote"), which
no rule tells from a non-answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal, get_args

from qa.answer.questions import asks_yes_no
from qa.answer.roles import Role, asked_role, plays
from qa.check.words import stems
from qa.models import Sentence
from qa.numbers import number_values

__all__ = ["ECHO", "Awaited", "Kind", "asked_for", "echoes", "gives", "missing"]

ECHO = "repeats the question's own words: no answer to it"
_CHOICE = re.compile(r"\bor\b", re.IGNORECASE)

Kind = Literal["count", "amount", "age", "measure"] | Role
_ROLES = frozenset(get_args(Role))

# the question's first words; a count is of things ("how many"), an amount of anything
# ("how much", "what share", "how big an increase")
_COUNT = re.compile(r"^\W*how\s+many\b", re.IGNORECASE)
_AMOUNT = re.compile(r"^\W*(?:how\s+(?:much|big|large)|what\s+(?:share|percentage|percent|proportion|"
                     r"fraction|number|amount|sum)\b)", re.IGNORECASE)
_AGE = re.compile(r"^\W*how\s+old\b", re.IGNORECASE)
# a length, duration or weight ("how long is the strip", "how long did the trial last")
_MEASURE = re.compile(r"^\W*how\s+(?:long|tall|wide|deep|heavy)\b", re.IGNORECASE)
_UNIT = (r"(?:miles?|km|kilomet(?:re|er)s?|met(?:re|er)s?|feet|foot|ft|inch(?:es)?|yards?|seconds?|"
         r"minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(?:y|ies)|tonnes?|tons?|lbs?|"
         r"kg|kilograms?)")
_UNIT_WORD = re.compile(rf"\b{_UNIT}\b", re.IGNORECASE)
_A_UNIT = re.compile(rf"\b(?:a|an|half an?)\s+{_UNIT}\b", re.IGNORECASE)
_NONE = r"none|zero|no|nobody|no one|nothing|dozens|scores|hundreds|thousands|millions|billions"
_COUNT_WORDS = re.compile(rf"\b(?:{_NONE})\b", re.IGNORECASE)
_AMOUNT_WORDS = re.compile(rf"\b(?:{_NONE}|half|double|doubled|twice|triple|tripled|third|quarter)\b",
                           re.IGNORECASE)


def asked_for(question: str) -> Kind | None:
    """"count" for "how many ...", "amount" for "how much / big / large ...", "what share ...",
    "age" for "how old ...", "measure" for "how long / tall / wide / deep / heavy ...", a role
    for "who criticised / praised / backed ..." (qa.answer.roles); None for any other question."""
    if role := asked_role(question):
        return role
    if _AGE.match(question):
        return "age"
    if _MEASURE.match(question):
        return "measure"
    if _COUNT.match(question):
        return "count"
    if _AMOUNT.match(question):
        return "amount"
    return None


def gives(kind: Kind, text: str) -> bool:
    """Does the text give what the question asks for: a number ("1,400", "seven", "94%"), or
    a word that stands for one ("none", "hundreds"; for an amount also "half", "double"); an
    age is a number; a measure is a number or "a"/"an" with its unit ("25 miles", "a decade");
    a role, words of that role ("raised concerns" for criticism)?"""
    if kind == "age":
        return bool(number_values(text))
    if kind in _ROLES:
        return plays(kind, text)  # type: ignore[arg-type]
    if kind == "measure":
        return bool(_UNIT_WORD.search(text) and number_values(text) or _A_UNIT.search(text))
    words = _COUNT_WORDS if kind == "count" else _AMOUNT_WORDS
    return bool(number_values(text)) or bool(words.search(text))


def echoes(question: str, text: str) -> bool:
    """Does the text only repeat the words of a question asking who, what, how many ...? Then
    it answers nothing ("Caroline Ellison." to "who is caroline ellison", "The budget gap is
    the Metropolitan Police dealing with."), however true. A yes/no question's words restated
    are its answer, and a question offering a choice ("A or B?") holds its answer's words."""
    if not question or asks_yes_no(question) or _CHOICE.search(question):
        return False
    if set(number_values(text)) - set(number_values(question)):
        return False  # "7 counts" gives a figure the question does not hold
    words = stems(text)
    return bool(words) and words <= stems(question)


def missing(kind: Kind | None, shown: list[Sentence]) -> str:
    """Why the shown sentences do not answer the question, or "" when they do (or it asks for
    nothing in particular). A role must be given by a checked, cited sentence: the direct answer
    line parrots the question's verb ("The Met praised the technology.")."""
    if kind in _ROLES:
        shown = [s for s in shown if s.kind != "answer"]
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
