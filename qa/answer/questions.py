"""Question analysis: the outlets and days a question names, matched against what the store
holds, so that each gets its own retrieval.

"Did The Verge and Wired both report ...?" needs evidence from The Verge and from Wired;
ranked together, one outlet's chunks can crowd out the other's. So every outlet of the store's
catalogue that the question names (any outlet, not a fixed list), and every day it names,
becomes a slot: a search of its own, filtered to that outlet or day, whose best article is
then sure to give the model a sentence. A question that names none has no slots and is
answered from one search, as before.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from qa.dates import dates_in
from qa.index.filters import Filters

__all__ = ["Choice", "Slot", "asks_yes_no", "choice", "named_outlets", "outlet_names", "slots", "WH_WORDS"]
_AUX = {"does", "do", "did", "is", "are", "was", "were", "has", "have", "had", "can", "could",
        "will", "would", "should", "may", "might", "must"}
WH_WORDS = {"who", "whom", "whose", "what", "which", "where", "when", "why", "how"}
_CLAUSE = re.compile(r"(?:^|[,;:]\s+)[\"'“‘(]*([A-Za-z]+)")  # the first word of each clause
_SPLIT = re.compile(r"\s+[|\-–—]\s+")  # "The Roar | Sports Writers Blog", "The Independent - Sports"


class Slot(BaseModel):
    """One thing the question names, and the filter that finds its evidence."""

    what: str = Field(description="The outlet or day as named, for the reader: 'The Verge', '2023-10-18'.")
    filters: Filters


def slots(question: str, outlets: list[str], filters: Filters | None = None) -> list[Slot]:
    """The outlets of `outlets` (the store's) and the days the question names, each as a
    slot; the caller's own filters apply inside every slot (an outlet the caller chose
    already leaves no outlet slots)."""
    base = filters or Filters()
    named = [] if base.source else named_outlets(question, outlets)
    out = [Slot(what=o, filters=base.model_copy(update={"source": o})) for o in sorted(named)]
    days, _ = dates_in(question)
    return out + [Slot(what=d, filters=base.model_copy(update={"since": d, "until": d}))
                  for d in sorted(days)]


def named_outlets(text: str, outlets: list[str], loose: bool = False) -> list[str]:
    """The outlets of `outlets` that text names, sorted; of two where one contains the other
    ("The Verge" in "The Verge | Tech"), the longer. `loose`: a one-word name matches in any
    case too (where the words stand in an outlet's place: "did techcrunch and wired both ...")."""
    named = [o for o in outlets if o and _named(text, o, loose)]
    return sorted(o for o in named if not any(o != other and o in other for other in named))


def _named(question: str, outlet: str, loose: bool = False) -> bool:
    """Does the question name the outlet: whole, or its first part ("The Roar" of "The Roar |
    Sports Writers Blog"), with or without "The"? A name of two words or more matches in any
    case; a one-word name ("Wired", "The Age") only as capitalised, since it is also a word."""
    for bare in outlet_names(outlet):
        if len(bare.split()) >= 2:
            if _has(question, bare, re.IGNORECASE):
                return True
        elif len(bare) >= 3 and bare[:1].isupper() and _has(question, bare, re.I if loose else 0):
            return True
    return False


def outlet_names(outlet: str) -> list[str]:
    """The names a text may call an outlet by, without a leading "The", longest first: whole,
    and its first part ("The Roar" of "The Roar | Sports Writers Blog")."""
    forms = {re.sub(r"^the\s+", "", f.strip(), flags=re.IGNORECASE)
             for f in (outlet, _SPLIT.split(outlet)[0])}
    return sorted(forms, key=len, reverse=True)


def _has(text: str, phrase: str, flags: int) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, flags) is not None


def asks_yes_no(question: str) -> bool:
    """Does the question ask yes or no? Its first clause that opens with an auxiliary verb
    or a wh-word decides: "Did The Verge report ...?" and "Between the report of 1 October
    and the later one, was there a change ...?" ask yes or no; "Who is the man that, before
    the collapse, was ...?" and "Considering both articles, which company ...?" do not."""
    for m in _CLAUSE.finditer(question.strip()):
        word = m.group(1).lower()
        if word in _AUX:
            return True
        if word in WH_WORDS:
            return False
    return False


# Words whose opposite is not the word with a negating prefix ("consistent" / "inconsistent").
# ("more or less" is left out: it is mostly the idiom "about".)
_OPPOSITES = {frozenset(p) for p in [
    ("before", "after"), ("earlier", "later"), ("higher", "lower"), ("more", "fewer"),
    ("bigger", "smaller"), ("larger", "smaller"), ("increase", "decrease"), ("increased", "decreased"),
    ("increasing", "decreasing"), ("rise", "fall"), ("rising", "falling"), ("rose", "fell"),
    ("grow", "shrink"), ("growing", "shrinking"), ("up", "down"), ("true", "false"),
    ("positive", "negative"), ("better", "worse"), ("for", "against"), ("won", "lost")]}
_PREFIXES = ("in", "un", "non", "non-", "dis", "im", "ir", "il")
_ALTERNATIVE = re.compile(r"\b([A-Za-z-]+) or ([A-Za-z-]+)\b")


class Choice(BaseModel):
    """A yes/no-shaped question that asks which of two opposite words holds: "Has the stance
    remained consistent or inconsistent?", "Was it reported before or after ...?"."""

    first: str
    second: str
    asked: str = Field(description="The question with the second word left out, to be answered yes or no "
                       "(yes: the first word holds).")


def choice(question: str) -> Choice | None:
    """The two opposite words a yes/no question asks to choose between, or None. Only
    opposites count (a prefix's negation, or a pair like before/after): "Did The Verge or
    Wired report ...?" asks yes or no, not which outlet."""
    if not asks_yes_no(question):
        return None
    for m in _ALTERNATIVE.finditer(question):
        a, b = m.group(1).lower(), m.group(2).lower()
        if frozenset((a, b)) in _OPPOSITES or any(b == pre + a for pre in _PREFIXES):
            asked = question[:m.start()] + m.group(1) + question[m.end():]
            return Choice(first=a, second=b, asked=asked)
    return None
