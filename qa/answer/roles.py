"""The role a question asks about: "who criticised the plan?" asks for a critic.

"Who criticised the expansion?" answered with the commissioner's praise of it ("a fantastic
piece of technology") names someone the articles quote on the expansion, in the wrong role:
true, cited, and misleading. So a question asking who (or which group, whose ...) criticised,
praised, supported, opposed or blamed is answered only by a shown sentence that says so in
words of that role ("raised concerns", "welcomed", "backed", "blamed"); otherwise it is
refused with the closest passages (qa.answer.asked does the holding and refusing).

The words are plain English for each role, not any article's: a role said in other words
("it's a step too far") is missed, and the refusal then lists the passage for the reader.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["Role", "asked_role", "plays"]

Role = Literal["criticism", "praise", "support", "opposition", "blame"]

# the verb in the question -> the role it asks about
_ASKED: dict[str, Role] = {
    "critici": "criticism", "condemn": "criticism", "attack": "criticism", "slam": "criticism",
    "object": "opposition", "oppos": "opposition", "reject": "opposition",
    "prais": "praise", "welcom": "praise", "applaud": "praise", "hail": "praise", "commend": "praise",
    "support": "support", "back": "support", "endors": "support", "favo": "support",
    "blam": "blame", "accus": "blame",
}
# the role verb is the question's own: right after its wh-word ("who criticised", "which
# groups backed"), or after an auxiliary and a short subject ("who did the defence blame"); not
# one deep in a description ("Who is the individual ... accused by the prosecution ...?")
_QUESTION = re.compile(r"^\W*(?:who|whom|whose\s+\w+|which(?:\s+\w+){1,2}?)\s+"
                       r"(?:(?:has|have|had|did|do|does)\s+(?:[\w'’-]+\s+){0,3}?)?(" + "|".join(_ASKED)
                       + r")\w*", re.IGNORECASE)

_CRITICISM = (r"critic\w*|concern\w*|condemn\w*|slam\w*|attack\w*|warn\w*|denounc\w*|lambast\w*|"
              r"blast\w*|decr(?:y|ied|ies)|outrag\w*|worr\w*|alarm\w*|object\w*|oppos\w*|"
              r"protest\w*|complain\w*|question(?:s|ed)\b|disappoint\w*|troubl\w*|dangerous|"
              r"flaw\w*|threat\w*|fear\w*|accus\w*|blame\w*")
_WORDS: dict[Role, str] = {
    "criticism": _CRITICISM,
    "opposition": r"oppos\w*|against|reject\w*|object\w*|resist\w*|fight\w*|challeng\w*|" + _CRITICISM,
    "praise": (r"prais\w*|hail\w*|welcom\w*|applaud\w*|commend\w*|laud\w*|fantastic|great|excellent|"
               r"impressive|brilliant|success\w*|delivers?|effective|valuable|proud|good"),
    "support": (r"support\w*|back\w*|endors\w*|favou?r\w*|welcom\w*|champion\w*|prais\w*|"
                r"approv\w*|agree\w*|in favour|in favor"),
    "blame": r"blam\w*|fault\w*|responsib\w*|accus\w*|caus\w*|because|led to|failed|failure",
}
_PLAYS = {role: re.compile(rf"\b(?:{words})", re.IGNORECASE) for role, words in _WORDS.items()}


def asked_role(question: str) -> Role | None:
    """The role a who/which/whose question asks about ("who criticised ..." -> "criticism",
    "which groups backed ..." -> "support"); None for any other question."""
    m = _QUESTION.match(question)
    return _ASKED[m.group(1).lower()] if m else None  # the group is one of _ASKED's stems


def plays(role: Role, text: str) -> bool:
    """Does the text put someone in the role, in words of that role?"""
    return bool(_PLAYS[role].search(text))
