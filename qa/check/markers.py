"""The [n] markers of a draft: parse them (in the forms small models write them), split the
draft into sentences with their citations, and render sentences back with their markers."""

from __future__ import annotations

import re

from qa.index.chunking import split_sentences
from qa.models import Sentence

__all__ = ["ENDED", "finished", "is_refusal", "parse_markers", "render_sentences", "split_answer"]

# [1], [1, 2], [1][2], [^1], 【1】, [Passage 1], (1)
_MARKER = re.compile(
    r"\s*(?:\[\^?\s*(?:passages?|sources?|docs?)?\s*(?P<a>\d+(?:\s*[,;]\s*\d+)*)\s*\]"
    r"|【\s*(?P<b>\d+(?:\s*[,;]\s*\d+)*)\s*】|\((?P<c>\d{1,2})\)(?=[\s.,;:!?]|$))",
    re.IGNORECASE,
)
_LITERAL_N = re.compile(r"\s*\[n\]", re.IGNORECASE)
# A citation written as a noun at the end of a clause ("... spoke about protests in [4].",
# "as reported in [2]"): the words that lean on it go with the marker, so the sentence stays whole.
_CITED_AS_NOUN = re.compile(
    r"\s*,?\s*\b(?:as (?:stated|reported|mentioned|said|noted|shown|described) in|"
    r"(?:stated|reported|mentioned|described|noted) in|according to|see|in|from|per|by)"
    r"(?=\s*(?:\[[^\]\n]{1,20}\]\s*)+(?:[.,;:!?]|$))", re.IGNORECASE)
# A passage named in words ("... in passage 3.", "(see passages 1 and 2)") is a citation too.
_WORDED = re.compile(r"\s*(?<!\[)\(?\b(?:(?:as (?:stated|reported|mentioned|said|noted|shown) )?"
                     r"(?:in|from|see|per)\s+)?(?:the\s+)?(?<!\[)passages?\s+(\d+(?:\s*(?:,|and|&)\s*\d+)*)\b\)?",
                     re.IGNORECASE)
_LEADING_CITE = re.compile(r"^\s*(?:according to|as (?:stated|reported|mentioned|said|noted|shown) in|in)"
                           r"\s*((?:\[[^\]\n]{1,20}\]\s*)+),\s*", re.IGNORECASE)
_MOVE_BEFORE_STOP = re.compile(r"([.!?])((?:[ \t]*(?:\[[^\]\n]{1,20}\]|【[^】\n]{1,20}】))+)")
ENDED = re.compile(r"[.!?…][\"'”’)\]]*$")  # a sentence's end: a stop, perhaps inside a quotation
REFUSAL_PATTERNS = re.compile(
    r"(the (articles|passages|sources) (don'?t|do not|does not|doesn'?t) (say|mention|contain|"
    r"provide|specify|state)|i (don'?t|do not) know|cannot (answer|be answered|find)|"
    r"(no|not enough) information|not (mentioned|stated|specified|provided) in the)",
    re.IGNORECASE,
)


def parse_markers(text: str, n_passages: int) -> tuple[str, list[int], int]:
    """Strip citation markers from text: (clean text, valid ids in order, dropped count)."""
    ids: list[int] = []
    dropped = len(_LITERAL_N.findall(text))
    text = _LITERAL_N.sub("", text)
    text = _WORDED.sub(lambda m: " [" + ",".join(re.findall(r"\d+", m.group(1))) + "]", text)
    if lead := _LEADING_CITE.match(text):  # "According to [3], it rose." -> "It rose. [3]"
        rest = text[lead.end():]
        text = rest[:1].upper() + rest[1:] + " " + lead.group(1)
    text = _CITED_AS_NOUN.sub("", text)

    def take(m: re.Match) -> str:
        nonlocal dropped
        group = m.group("a") or m.group("b") or m.group("c")
        for part in re.split(r"[,;]", group):
            n = int(part)
            if 1 <= n <= n_passages:
                if n not in ids:
                    ids.append(n)
            elif m.group("c") is None:
                dropped += 1
        return "" if (m.group("c") is None or 1 <= int(group) <= n_passages) else m.group(0)

    clean = _MARKER.sub(take, text)
    clean = re.sub(r"\s+([.,;:!?])", r"\1", clean)
    return " ".join(clean.split()), ids, dropped


def split_answer(text: str, n_passages: int) -> tuple[list[Sentence], int]:
    """Sentences of an answer with their citations. Markers after a full stop belong to the
    sentence before it, unless the answer puts them first ("[1] A. [2] B.")."""
    text = text.strip()
    if not _MARKER.match(text):
        text = _MOVE_BEFORE_STOP.sub(r"\2\1", text)
    sentences: list[Sentence] = []
    dropped = 0
    for start, end in split_sentences(text):
        clean, ids, d = parse_markers(text[start:end], n_passages)
        dropped += d
        if not re.search(r"\w", clean):  # no word: a bare "[2]." line, or a draft cut off at "["
            if ids and sentences:  # its markers belong to the sentence before
                sentences[-1].citations += [i for i in ids if i not in sentences[-1].citations]
            continue
        sentences.append(Sentence(text=clean, citations=ids))
    return sentences, dropped


def finished(text: str) -> str:
    """The text without an unfinished last sentence (a draft stopped at its token limit ends
    "... Liberty raised concerns about"), its sentences found as split_answer finds them; a
    sentence is finished by a stop, a closing quote or bracket, or a citation marker. A text
    of one sentence is kept whole."""
    text = text.strip()
    moved = text if _MARKER.match(text) else _MOVE_BEFORE_STOP.sub(r"\2\1", text)  # same length
    spans = split_sentences(moved)
    if len(spans) > 1 and moved[spans[-1][1] - 1] not in ".!?\"”’)]】":
        return text[:spans[-1][0]].rstrip()
    return text


def render_sentences(sentences: list[Sentence]) -> str:
    """Sentences joined back into text, each citation mark before its full stop; a sentence
    the model left without one ("Answer: the Met [1]") is given one."""
    out = []
    for s in sentences:
        marks = "".join(f" [{n}]" for n in s.citations)
        body = s.text.rstrip(".!?")
        stop = s.text[len(body):] or ("" if ENDED.search(body) else ".")
        out.append(f"{body}{marks}{stop}")
    return " ".join(out)


def is_refusal(text: str) -> bool:
    return bool(REFUSAL_PATTERNS.search(text))
