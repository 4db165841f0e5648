"""Numbers in text, normalised to values: "1,000" = "1000" = "one thousand"; "£260m" = "£260 million"."""

from __future__ import annotations

import re

_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
          "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
          "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
          "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12}
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9,
           "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
_WORD_NUM = "|".join(sorted(_UNITS, key=len, reverse=True))
_NUMBER = re.compile(
    r"(?<![\w.])(?:(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"|(?P<words>(?:{_WORD_NUM})(?:[\s-]+(?:{_WORD_NUM}))*))"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion|mn|bn|tn|m|k|b)(?![a-z]))?"
    r"(?P<pct>\s*(?:%|per\s?cent|percent))?",
    re.IGNORECASE,
)


def _words_value(words: str) -> float:
    total, current = 0.0, 0.0
    for w in re.split(r"[\s-]+", words.lower()):
        v = _UNITS[w]
        if v == 100:
            current = max(current, 1) * 100
        else:
            current += v
    return total + current


def find_numbers(text: str) -> list[tuple[str, float]]:
    """(surface, value) of every number in text; years and ordinary counts alike."""
    return [(m.group(0).strip(), v) for m, v in number_matches(text)]


def number_matches(text: str) -> list[tuple[re.Match, float]]:
    """The regex match and value of every number in text."""
    out = []
    for m in _NUMBER.finditer(text):
        if m.group("digits"):
            value = float(m.group("digits").replace(",", ""))
        elif m.group("words").lower() == "one" and not m.group("scale"):
            continue  # "one of them": a pronoun more often than a figure
        else:
            value = _words_value(m.group("words"))
        if m.group("scale"):
            value *= _SCALES[m.group("scale").lower()]
        out.append((m, value))
    return out


def number_values(text: str) -> set[float]:
    return {v for _, v in find_numbers(text)}
