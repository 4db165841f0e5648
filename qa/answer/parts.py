"""Questions whose answer is composed from parts: comparisons across outlets and orderings.

"Did TechCrunch and The Verge both report that Ellison admitted taking customer money?" is
two claims, one per outlet; "Does The Verge say X, while TechCrunch says Y?" likewise; "Was
Fortune's report on the Gaza blockade published before TechCrunch's on Meta?" and "Which came
first, TechCrunch on X or The Verge on Y?" are two reports to find and put in order. Asked
whole, the model answers such a question with a verdict whose reasons rarely pass their
check. Split into parts, each part is a plain claim (or topic) with the outlet it names, that
qa.answer.compose checks against that outlet's own sentences; the verdict then follows in
code from the parts (both stated: yes; order: the articles' dates).

This module only reads the question: what the parts are, which outlet each names (any outlet
of the store, not a fixed list), and how they are joined. A question that fits none of these
shapes has no plan and is answered as any other.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from qa.answer.questions import asks_yes_no, named_outlets, outlet_names

__all__ = ["Part", "Plan", "plan"]

MIN_CLAIM_WORDS = 2  # "the fed" alone is no claim to look for
_AUX = r"(?:does|do|did|is|are|was|were|has|have|had|can|will|would)"
# "did both A and B report ...", "did A and B both say ...", "do A and B both say ..."
_BOTH = re.compile(rf"^\s*{_AUX}\s+(?:both\s+)?(?P<a>.+?)\s+and\s+(?P<b>.+?)\s+(?:both\s+)?"
                   r"(?P<verb>report(?:ed)?|say|said|write|wrote|describe|described|cover(?:ed)?|"
                   r"mention(?:ed)?|note|noted|claim(?:ed)?|suggest(?:ed)?|state|stated)\b\s*"
                   r"(?:that\s+|about\s+|on\s+)?(?P<claim>.+?)\s*\??\s*$", re.IGNORECASE)
_WHILE = re.compile(r",?\s+(?:while|whereas)\s+", re.IGNORECASE)
# "which came first, A or B", "which was published first: A or B"
_FIRST = re.compile(r"^\s*(?:which|what)\b(?P<how>[^,:]*?)\b(?P<rel>first|earlier|sooner|later|last)\b"
                    r"[^,:]*?[,:]?\s+(?P<a>.+?)\s+or\s+(?P<b>.+?)\s*\??\s*$", re.IGNORECASE)
_ORDER = re.compile(r"\s+(?P<rel>before|after)\s+", re.IGNORECASE)
# Asking whether coverage changed, or agreed, is about what was said, not when.
_CONTENT = re.compile(r"\b(chang\w*|consistent|inconsistent|differ\w*|same|similar|shift\w*)\b", re.I)
_DATEISH = re.compile(r"^(?:the\s+)?(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|"
                      r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|"
                      r"last|this|next)\w*\b", re.IGNORECASE)
# What a part says about the report rather than what it reports.
_REPORTING = re.compile(
    r"\b(?:the\s+|another\s+|an?\s+)?(?:report(?:ed|s|ing)?|wr(?:ote|ite|ites|itten)|cover(?:ed|s|age)?|"
    r"stor(?:y|ies)|articles?|piece|explainer|guide|coverage|published|say|said|says|describe[sd]?|"
    r"suggest(?:s|ed)?|indicate[sd]?|impl(?:y|ies|ied)|mention(?:s|ed)?|discuss(?:es|ed)?|"
    r"focus(?:es|ed)?|claim(?:s|ed)?|state[sd]?|argue[sd]?)"
    r"(?:\s+(?:on|about|that|of|to|in|from))?\b", re.IGNORECASE)
_NOT_ORDER = re.compile(r"\b(?:while|whereas|both|respectively|unlike)\b|,\s+and\s+", re.IGNORECASE)
_CLAUSE_START = re.compile(r"^(?:he|she|it|its|they|their|his|her)\b", re.IGNORECASE)
_PRONOUN_OUTLET = re.compile(r"^(?:it|its|they|their)\b", re.IGNORECASE)
_PRONOUN = re.compile(r"^(?:he|she|they|it)\b", re.IGNORECASE)
# What is left of a part that repeats the other's claim by ellipsis: "... before The Verge did (so)".
_ELIDED = {"did", "does", "do", "was", "were", "is", "has", "had", "so", "too", "it", "one", "that", "also"}


class Part(BaseModel):
    """One thing to find: a claim (or a report's topic) and the outlet it names."""

    text: str = Field(description="The part as the question words it.")
    claim: str = Field(description="What must be stated: the part less its outlet and the words "
                       "about the report itself ('TechCrunch's story on X' -> 'X').")
    outlet: str | None = Field(None, description="The store's outlet it names, if any.")


class Plan(BaseModel):
    """How a question's answer is composed from its parts."""

    kind: Literal["both", "order"] = Field(description="both: every part must be stated; "
                                           "order: the parts' reports are put in date order.")
    parts: list[Part]
    relation: Literal["before", "after", "first", "last"] | None = Field(
        None, description="For order: 'before'/'after' asks yes or no of the first part's date "
        "against the second's; 'first'/'last' asks which.")
    either: bool = Field(False, description="The question asks 'before or after?': answered with "
                         "the word, not yes or no.")


def plan(question: str, outlets: list[str]) -> Plan | None:
    """The plan for question over a store holding `outlets`, or None when it is not a
    comparison or ordering of two parts that can each be looked for."""
    q = question.strip()
    found = _order(q, outlets) or _both(q, outlets) or _while(q, outlets)
    if found is None or any(len(p.claim.split()) < MIN_CLAIM_WORDS for p in found.parts):
        return None
    return found


def _both(q: str, outlets: list[str]) -> Plan | None:
    m = _BOTH.match(q)
    if not m:
        return None
    a, b = (named_outlets(m.group(g), outlets, loose=True) for g in ("a", "b"))
    if len(a) != 1 or len(b) != 1 or a == b:
        return None  # "did the fed and the bank both ..." names things, not outlets
    claim = m.group("claim")
    return Plan(kind="both", parts=[Part(text=f"{o} {m.group('verb')} {claim}", claim=claim, outlet=o)
                                    for o in (a[0], b[0])])


def _while(q: str, outlets: list[str]) -> Plan | None:
    if not asks_yes_no(q):
        return None
    pieces = [p.strip(" ,?") for p in _WHILE.split(q)]
    if len(pieces) != 2:
        return None
    parts = [_part(re.sub(rf"^{_AUX}\s+", "", p, flags=re.IGNORECASE), outlets) for p in pieces]
    if any(p.outlet is None for p in parts):
        return None
    return Plan(kind="both", parts=parts)


def _order(q: str, outlets: list[str]) -> Plan | None:
    if _CONTENT.search(q) or _NOT_ORDER.search(q):
        return None
    m, either = _FIRST.match(q), False
    if m:
        rel = "first" if m.group("rel").lower() in ("first", "earlier", "sooner") else "last"
        pieces = [m.group("a"), m.group("b")]
    else:
        if not asks_yes_no(q):
            return None
        either = bool(re.search(r"\sbefore or after\s", q, re.IGNORECASE))
        q = re.sub(r"\s+before or after\s+", " before ", q, flags=re.IGNORECASE)
        splits = _ORDER.split(q, maxsplit=1)
        if len(splits) != 3 or _DATEISH.match(splits[2]):
            return None
        if not (_CLAUSE_START.match(splits[2]) or named_outlets(splits[2], outlets, loose=True)):
            return None  # "... after the plea deal" dates a claim; it does not order two reports
        rel = splits[1].lower()
        pieces = [re.sub(rf"^\s*{_AUX}\s+", "", splits[0], flags=re.IGNORECASE), splits[2]]
    a, b = (_part(p.strip(" ,?"), outlets) for p in pieces)
    if b.outlet and not set(b.claim.lower().split()) - _ELIDED:  # "... before The Verge did"
        b = b.model_copy(update={"claim": a.claim})
    if b.outlet is None and a.outlet and _PRONOUN_OUTLET.match(b.text):
        b = _part(_PRONOUN_OUTLET.sub(a.outlet, b.text, count=1), outlets)
    elif b.outlet is None and _PRONOUN.match(b.claim) and not a.outlet:
        subject = a.claim.split()[0]
        b = b.model_copy(update={"claim": _PRONOUN.sub(subject, b.claim, count=1)})
    return Plan(kind="order", parts=[a, b], relation=rel, either=either)  # type: ignore[arg-type]


def _part(text: str, outlets: list[str]) -> Part:
    """A part of the question: its outlet (the one it names, when it names one) and its claim."""
    named = named_outlets(text, outlets) or _leading_outlet(text, outlets)
    outlet = named[0] if len(named) == 1 else None
    claim = text
    if outlet:
        claim = _strip_outlet(claim, outlet)
    claim = _REPORTING.sub(" ", claim)
    claim = re.sub(r"(?<!\w)['‘’\"“”]\s*['‘’\"“”](?!\w)|\s['’]s\b|^\s*['’]s\b", " ", claim)
    claim = re.sub(r"^\s*(?:the|a|an|its|their|by|on|about)\s+", " ", claim, flags=re.IGNORECASE)
    claim = re.sub(r"\s+(?:by|on|about|of|published|the)\s*$", "", claim.strip(), flags=re.IGNORECASE)
    return Part(text=text, claim=re.sub(r"\s+", " ", claim).strip(" ,.?"), outlet=outlet)


def _leading_outlet(text: str, outlets: list[str]) -> list[str]:
    """The outlet a part opens with, in any case ("techcrunch on X", "fortune wrote ...")."""
    def opens(o: str) -> bool:
        return any(re.match(rf"^(?:the\s+)?['‘\"“]?{re.escape(name)}(?!\w)", text, re.IGNORECASE)
                   for name in outlet_names(o))
    return [o for o in named_outlets(text, outlets, loose=True) if opens(o)]


def _strip_outlet(text: str, outlet: str) -> str:
    """text without the outlet's name ('TechCrunch's', 'the Verge', 'SMH' aside: only names)."""
    for bare in outlet_names(outlet):
        text = re.sub(rf"(?:\bthe\s+)?['‘\"“]?(?<!\w){re.escape(bare)}['’\"”]?(?:['’]s)?(?!\w)", " ",
                      text, flags=re.IGNORECASE)
    return text
