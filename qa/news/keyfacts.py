"""Key facts of an article, extracted from its text (not generated): figures (a number and
what it counts) and quotations (exact words and speaker), each with its character span."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from qa.check.words import content_words
from qa.index.chunking import split_sentences
from qa.numbers import number_matches, number_values

_QUOTE = re.compile(r"[\"“]([^\"“”]{15,}?)[\"”]")
_SPEECH = r"(?:said|says|added|explained|told|warned|argued|noted|stated|insisted|claimed)"
_NAME = r"((?:[A-Z][\w’'\-]+|of)(?:\s+(?:[A-Z][\w’'\-]+|of))*)"
_BEFORE = re.compile(rf"{_NAME}\s+(?:also\s+)?{_SPEECH}\b")
_AFTER = re.compile(rf"{_SPEECH}\s+{_NAME}")
_PRONOUN = re.compile(rf"\b(?:he|she|they)\s+{_SPEECH}\b", re.I)
_CLAUSE_END = re.compile(r"[,;:.!?()\"“”]|\s(?:and|but|while|which|with)\s")
_QUALIFIER = re.compile(r"\b(?:more than|over|around|about|up to|nearly|almost|at least|"
                        r"fewer than|less than|some)\s+$", re.I)
_NOT_SPEAKERS = {"The", "It", "This", "That", "A", "An", "In", "However", "He", "She", "They"}


class KeyFact(BaseModel):
    kind: str = Field(description="figure or quote")
    text: str = Field(description="The figure with what it counts, or the quoted words.")
    speaker: str = Field("", description="Who said it (quotes).")
    article_id: str
    start: int = Field(description="Span of the fact in the article text.")
    end: int
    quote: str = Field(description="article.text[start:end]")
    in_summary: bool | None = Field(None, description="Whether the summary shown beside it states it "
                                    "(summaries only): its figure, or its speaker or words.")


def extract(article_id: str, text: str) -> list[KeyFact]:
    return figures(article_id, text) + quotes(article_id, text)


def stated(fact: KeyFact, summary: str) -> bool:
    """Does the summary state the fact? A figure: every number of it is in the summary, by
    value ("£260m" states "£260 million"). A quote: its speaker's surname is named, or most of
    its content words are there (summaries report speech rather than quote it)."""
    if fact.kind == "figure":
        values = number_values(fact.text)
        return bool(values) and values <= number_values(summary)
    surname = fact.speaker.split()[-1] if fact.speaker else ""
    if surname and re.search(rf"\b{re.escape(surname)}\b", summary):
        return True
    words = content_words(fact.text)
    return bool(words) and len(words & content_words(summary)) >= 0.5 * len(words)


def figures(article_id: str, text: str) -> list[KeyFact]:
    facts = []
    for s, e in split_sentences(text):
        sentence = text[s:e]
        if len(sentence.split()) < 6:
            continue  # headings
        taken_until = -1
        for m, _ in number_matches(sentence):
            surface = m.group(0).strip()
            if re.fullmatch(r"(19|20)\d\d", surface) or m.start() < taken_until:
                continue  # a year; or part of a figure already taken ("48 to 63 officers")
            start = m.start()
            if start and sentence[start - 1] in "£$€":
                start -= 1
            if q := _QUALIFIER.search(sentence[:start]):
                start = q.start()
            end_m = _CLAUSE_END.search(sentence, m.end())
            end = end_m.start() if end_m else len(sentence)
            if not sentence[m.end():end].strip():  # "offences surpassed 500,000": look back
                clause = max(sentence.rfind(c, 0, start) for c in ",;:")
                start = clause + 1 if clause >= 0 else 0
            taken_until = end
            phrase = whole_phrase(sentence[start:end].split())
            facts.append(KeyFact(kind="figure", text=phrase, article_id=article_id,
                                 start=s, end=e, quote=sentence))
    return facts


_BOUNDARY_WORDS = {"to", "for", "as", "which", "that", "because", "after", "while", "so", "when", "who"}
MAX_PHRASE_WORDS = 12


def whole_phrase(words: list[str]) -> str:
    """A figure's phrase that ends where a phrase ends: the clause, or when that is long, the
    words before the first linking word after the figure ("48 to 63 officers | to manage ...");
    a phrase that still runs on is cut at a word boundary and marked with "…"."""
    if len(words) <= MAX_PHRASE_WORDS:
        return " ".join(words)
    for i in range(2, len(words) - 1):
        if words[i].lower() in _BOUNDARY_WORDS and not words[i + 1][:1].isdigit():
            if i <= MAX_PHRASE_WORDS:
                return " ".join(words[:i]).rstrip(",;:")
            break
    return " ".join(words[:MAX_PHRASE_WORDS]).rstrip(",;:") + " …"


def quotes(article_id: str, text: str) -> list[KeyFact]:
    facts = []
    names = [m.group(1) for m in re.finditer(_NAME, text)]
    last_speaker = ""
    last_par = -1
    for m in _QUOTE.finditer(text):
        par = text.rfind("\n\n", 0, m.start())
        if par != last_par:
            last_speaker, last_par = "", par
        sent = _sentence_around(text, m.start(), m.end())
        before, after = text[sent[0]:m.start()], text[m.end():sent[1]]
        who = (_last(_BEFORE, before) or _first(_AFTER, after) or _first(_BEFORE, after)
               or (last_speaker if _PRONOUN.search(before + after) or not before.strip() else ""))
        who = who or last_speaker
        if who:
            last_speaker = who = _full_name(who, names)
        facts.append(KeyFact(kind="quote", text=m.group(1).strip(), speaker=who,
                             article_id=article_id, start=m.start(1), end=m.end(1),
                             quote=text[m.start(1):m.end(1)]))
    return facts


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    par_start = text.rfind("\n", 0, start) + 1
    par_end = text.find("\n", end)
    return par_start, len(text) if par_end < 0 else par_end


def _clean(name: str) -> str:
    words = name.split()
    while words and words[0] in _NOT_SPEAKERS:
        words = words[1:]
    return " ".join(words)


def _last(rx: re.Pattern, text: str) -> str:
    found = [_clean(m.group(1)) for m in rx.finditer(text)]
    found = [f for f in found if f]
    return found[-1] if found else ""


def _first(rx: re.Pattern, text: str) -> str:
    found = [_clean(m.group(1)) for m in rx.finditer(text)]
    found = [f for f in found if f]
    return found[0] if found else ""


def _full_name(short: str, names: list[str]) -> str:
    """'Sir Mark' -> 'Commissioner Sir Mark Rowley' when the article names him in full."""
    longer = [n for n in names if short in n and len(n) > len(short)]
    return max(longer, key=len) if longer else short
