"""The direct answer: the draft's "Answer: ..." line, split off the reasons, and shown first
only when the shown reasons support it."""

from __future__ import annotations

import re

from qa.answer.asked import ECHO, echoes
from qa.check.cite import hard_checks
from qa.check.markers import is_refusal, parse_markers
from qa.check.words import content_words, overlap
from qa.index.chunking import passage_sentences
from qa.models import Passage, Sentence, Span
from qa.numbers import number_values

__all__ = ["direct_answer", "held_by", "same_words", "split_direct"]

SMALLEST_FIGURE = 10  # a figure under it ("2", "3 officers") is in too many sentences to find one by

_DIRECT = re.compile(r"^\W*answer\s*:\**\s*", re.IGNORECASE)
_FIRST_END = re.compile(r"[.!?](?=\s)")
# a full stop after these ends a word, not the direct answer: "Oct. 10, 2023", "Dr. Smith", "U.S."
_ABBREVIATIONS = {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
                  "mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "gen", "gov", "sen", "rep", "vs"}
_LAST_WORD = re.compile(r"(\w+)$")
_LEAD_MARKS = re.compile(r"\s*(?:\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]\s*)+(?:\n|$)")


def split_direct(draft: str) -> tuple[str, str]:
    """("the direct answer", the rest) of a draft that opens with "Answer: ...", as the answer
    prompt asks: the direct answer ends at the line's end or its first full stop, whichever
    comes first. ("", draft) when the draft does not open so, or when what follows "Answer:"
    cites a passage, on its line or on the lines just after it (then it is a claim, to be
    checked like the rest). While the direct
    answer is still being written, the rest is empty."""
    text = draft.lstrip()
    m = _DIRECT.match(text)
    if not m:
        return "", draft
    rest = text[m.end():]
    stop = _first_end(rest)
    ends = [i for i in (rest.find("\n"), stop.end() if stop else -1) if i >= 0]
    if not ends:
        return rest.strip(), ""
    line, body = rest[:min(ends)], rest[min(ends):]
    if "[" in line or "【" in line or _LEAD_MARKS.match(body):
        return "", rest  # "Answer: 80 officers ... [1]" or "Answer: 80 officers ...\n\n[1] [2]"
    return line.strip(), body.lstrip()


def _first_end(text: str) -> re.Match | None:
    """The first full stop (or ! or ?) that ends a sentence, not an abbreviation or an initial."""
    for stop in _FIRST_END.finditer(text):
        word = _LAST_WORD.search(text[:stop.start()])
        if stop.group() == "." and word and (word.group(1).lower() in _ABBREVIATIONS
                                             or len(word.group(1)) == 1 and word.group(1).isupper()):
            continue
        return stop
    return None


def direct_answer(said: str, kept: list[Sentence], passages: list[Passage], polar: bool,
                  question: str = "") -> Sentence:
    """The direct answer as a sentence, shown when the shown claims support it: Yes / No
    when a claim is supported and the question asks yes or no, a name or number only when
    the passages those claims cite contain it (numbers by value, names word for word), and
    never when it only repeats the question's words."""
    claims = [s for s in kept if s.kind == "claim" and s.supported]
    text, _, _ = parse_markers(said, len(passages))
    text = text.strip().rstrip(".")
    if not text or is_refusal(text):
        return Sentence(text=text, kind="answer", shown=False, reason="no direct answer")
    verdict = re.match(r"(yes|no)\b", text, re.IGNORECASE)
    if verdict and not polar:
        return Sentence(text=text, kind="answer", shown=False,
                        reason="a yes/no answer to a question that does not ask yes or no")
    text = verdict.group(1).capitalize() if verdict else text
    if echoes(question, text):
        return Sentence(text=text, kind="answer", shown=False, reason=ECHO)
    if any(same_words(text) == same_words(s.text) for s in claims):
        return Sentence(text=text, kind="answer", shown=False, reason="the same words as a reason shown")
    cited = " ".join(f"{p.title}. {p.source}. {p.text}" for s in claims for p in
                     (passages[n - 1] for n in s.citations))
    problem = None if verdict else hard_checks(text, cited) or (
        None if content_words(text) & content_words(cited) else "not in the cited passages")
    if not claims or problem:
        return Sentence(text=text, kind="answer", supported=False, shown=False,
                        reason=problem or "no claim supports it")
    return Sentence(text=f"{text}.", kind="answer", reason="stated in the passages the shown claims "
                    "cite" if not verdict else "the verdict the shown claims give (not checked by rule)")


def same_words(text: str) -> str:
    """A sentence's words as compared for a repeat: case, spacing and the closing stop aside."""
    return " ".join(text.lower().rstrip(" .").split())


def held_by(said: str, question: str, passages: list[Passage], texts: dict[str, str]) -> list[Sentence]:
    """When every reason the model wrote failed its check but its direct answer gives a figure
    ("Answer: £260 million" over the echo "The budget gap is ... [1]."): the passage sentence
    holding that figure, word for word and cited, as the reason the reader can check ([] when
    there is none). Of several, the one sharing most words with the direct answer, then with
    the question, then the earliest. A figure of the model's own finds no sentence; nor does a
    small one (under SMALLEST_FIGURE), a refusal, or an answer repeating the question."""
    text = parse_markers(said, len(passages))[0].strip().rstrip(".")
    figures = number_values(text)
    if not figures or max(figures) < SMALLEST_FIGURE or is_refusal(text) or echoes(question, text):
        return []

    def sentence(row: tuple[int, int, int]) -> str:
        n, start, end = row
        return texts[passages[n - 1].article_id][start:end]

    found = [row for row in passage_sentences(passages, texts) if figures <= number_values(sentence(row))]
    if not found:
        return []
    # max keeps the first of equals: the earliest passage and sentence
    n, start, end = max(found, key=lambda row: (overlap(text, sentence(row)),
                                                overlap(question, sentence(row))))
    return [Sentence(text=sentence((n, start, end)), citations=[n],
                     spans=[Span(n=n, start=start, end=end)],
                     reason=f"the passage's own sentence holding the direct answer's figure "
                            f"\"{text}\", copied word for word (the model not asked), in place of "
                            "the draft's reasons, none of which passed its check")]
