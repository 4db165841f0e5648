"""Questions that ask two things at once, each part answered on its own, or said missing.

"Is the public order team getting bigger? By how much?", "How many arrests has it led to, and
how many were charged?", "How many officers and how many civilian staff will the Met lose?":
asked whole, the model answers the first part and forgets the second, and nothing tells the
reader. Split, each part is searched, gated, drafted and checked like any question, and the
answer shows each part's checked, cited sentences in turn; a part the articles don't answer is
said to be missing, with what was searched for it, instead of being passed over.

A part that leans on the one before ("By how much?", "and its net income?", "why?") is first
rewritten with it, as a follow-up is (qa.answer.followup).

This module reads the question (`split`) and joins the parts' answers (`join`); qa.answer.ask
answers each part.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from qa.answer.direct import same_words
from qa.answer.questions import WH_WORDS
from qa.answer.refusals import CLOSEST, REFUSAL
from qa.check.markers import render_sentences
from qa.check.words import content_words
from qa.models import Answer, Citation, Passage, Sentence, Span

__all__ = ["answer_parts", "join", "leans", "once", "shifted", "split"]

_WH = rf"(?:{'|'.join(sorted(WH_WORDS))})"
_AUX = r"(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should)"
_PREP = r"(?:(?:of|for|by|to|from|in|on|with|at)\s+)?"
# "..., and how many were charged", "... and why", "... and on how many points"
_AND_WH = re.compile(rf",?\s+and\s+(?={_PREP}{_WH}\b)", re.IGNORECASE)
# "..., and its net income", "..., and did he plead guilty": only after a comma, and an auxiliary
# only when its subject follows (", and is accused of ..." goes on describing the same one)
_SUBJECT = r"(?:he|she|it|they|we|you|i|there|this|that|these|those|the|a|an|his|her|its|their)"
_COMMA_AND = re.compile(rf",\s+and\s+(?=(?:{_AUX}\s+{_SUBJECT}|its|their|his|her)\b)", re.IGNORECASE)
_QUESTION_START = re.compile(rf"^\s*(?:{_WH}|{_AUX})\b", re.IGNORECASE)
_LEANS = re.compile(r"^(?:it|its|they|their|them|he|his|she|her|that|this|these|those|"
                    r"of|for|by|to|from|in|on|with|at)\b", re.IGNORECASE)
_HOW_MANY = re.compile(r"^(?:how\s+(?:many|much))\b", re.IGNORECASE)
MIN_CONTENT_WORDS = 3  # a part with fewer ("By how much?", "How many were charged?") leans on the one before


def split(question: str) -> list[str] | None:
    """The parts of a question that asks two or more things, each as a question; None when it
    asks one thing."""
    q = question.strip()
    pieces = [p for p in re.split(r"(?<=\?)\s+(?=\S)", q) if p.strip(" ?")]
    if len(pieces) < 2 and _QUESTION_START.match(q):
        for pattern in (_AND_WH, _COMMA_AND):
            pieces = [p for p in pattern.split(q, maxsplit=1) if p.strip(" ,?")]
            if len(pieces) == 2:
                break
    if len(pieces) < 2:
        return None
    pieces = [re.sub(r"^(?:and|but|also|so)\s+", "", p.strip(" ,?"), flags=re.IGNORECASE) for p in pieces]
    pieces[0] = _shared_predicate(pieces[0], pieces[1])
    return [f"{p[0].upper()}{p[1:]}?" for p in pieces]


def _shared_predicate(first: str, second: str) -> str:
    """"How many officers" before "how many civilian staff will the Met lose" takes the
    predicate they share: "How many officers will the Met lose"."""
    if not (_HOW_MANY.match(first) and _HOW_MANY.match(second)) or re.search(rf"\b{_AUX}\b", first, re.I):
        return first
    aux = re.search(rf"\s{_AUX}\b", second, re.IGNORECASE)
    return f"{first}{second[aux.start():]}" if aux else first


def leans(part: str) -> bool:
    """Whether the part needs the one before it to be understood."""
    return len(content_words(part)) < MIN_CONTENT_WORDS or bool(_LEANS.match(part.strip()))


Ask = Callable[[str, Callable[[Sentence], None] | None], Answer]
Rewrite = Callable[[str, list[tuple[str, str]]], str]


def answer_parts(question: str, parts: list[str], ask_one: Ask, rewrite: Rewrite,
                 on_sentence: Callable[[Sentence], None] | None = None) -> Answer:
    """Each part asked with ask_one (a part leaning on the one before rewritten first), its
    shown sentences handed to on_sentence as they pass, numbered as in the joined answer."""
    answers: list[Answer] = []
    offset, seen = 0, set[str]()

    def emit_once(s: Sentence) -> None:
        if (s := once(s, seen)).shown:
            on_sentence(s)  # type: ignore[misc]

    for i, part in enumerate(parts):
        asked = rewrite(part, [(parts[i - 1], answers[-1].text)]) if i and leans(part) else part
        emit = None if on_sentence is None else (lambda s, off=offset: emit_once(shifted(s, off)))
        before = set(seen)
        ans = ask_one(asked, emit)
        if on_sentence is not None and (ans.refused or not _adds(ans, before)):
            on_sentence(_missing(ans) if ans.refused else _repeated(part))
        answers.append(ans)
        offset += len(ans.passages)
    return join(question, answers, parts)


def join(question: str, answers: list[Answer], parts: list[str]) -> Answer:
    """One answer from its parts' answers (to `parts`, as split), their passages numbered on
    from one another; a refusal only when no part is answered."""
    sentences: list[Sentence] = []
    rejected: list[Sentence] = []
    citations: list[Citation] = []
    closest: list[Citation] = []
    passages: list[Passage] = []
    said: list[str] = []
    seen = set[str]()
    for part, ans in zip(parts, answers, strict=True):
        off = len(passages)
        passages += ans.passages
        citations += [c.model_copy(update={"n": c.n + off}) for c in ans.citations]
        closest += [c.model_copy(update={"n": c.n + off}) for c in ans.closest]
        if ans.refused:
            theirs = [shifted(s, off).model_copy(update={"shown": False}) for s in ans.sentences[1:]]
            rejected += theirs
            sentences += [_missing(ans), *theirs]
        elif not _adds(ans, seen):
            sentences += [_repeated(part), *(once(shifted(s, off), seen) for s in ans.sentences)]
        else:
            sentences += [once(shifted(s, off), seen) for s in ans.sentences]
            said += [ans.answer] if ans.answer else []
    common = dict(question=question, passages=passages, model=answers[0].model,
                  checked_by=next((a.checked_by for a in answers if a.checked_by), ""),
                  timings=_summed([a.timings for a in answers]),
                  usage=_summed([a.usage for a in answers]),  # type: ignore[arg-type]
                  dropped_citations=sum(a.dropped_citations for a in answers),
                  draft="\n\n".join(a.draft for a in answers if a.draft),
                  answerable=_least([a.answerable for a in answers]))
    if all(a.refused for a in answers):
        looked = "; and ".join(a.searched for a in answers)
        why = "; ".join(a.sentences[0].reason for a in answers if a.sentences)
        return Answer(text=f"{REFUSAL} Searched {looked}.", refused=True, searched=looked,
                      closest=closest[:CLOSEST], sentences=[Sentence(text=REFUSAL, reason=why),
                                                           *rejected], **common)
    shown = [s for s in sentences if s.shown and s.kind != "answer"]
    body = render_sentences(shown)
    lead = f"{'; '.join(said)}. " if said else ""
    return Answer(answer="; ".join(said), text=f"{lead}{body}", sentences=sentences,
                  citations=citations, **common)


def _least(scores: list[float | None]) -> float | None:
    """A question is as answerable as its least answerable part (None when a part has no score)."""
    return None if any(x is None for x in scores) else min(scores)  # type: ignore[type-var]


def once(s: Sentence, seen: set[str]) -> Sentence:
    """The sentence, or, when an earlier part showed the same words ("80 officers are now in
    the West End." for both parts), a copy not shown; seen gathers the words shown. Applied in
    the same order while streaming and when joining, so both show the same sentences."""
    if not (s.shown and s.kind == "claim"):
        return s
    words = same_words(s.text)
    if words in seen:
        return s.model_copy(update={"shown": False, "reason": "repeats a sentence of an earlier part"})
    seen.add(words)
    return s


def _adds(ans: Answer, seen: set[str]) -> bool:
    """Does the part's answer show a claim that no earlier part showed in the same words? A
    part answered only by an earlier part's sentence ("how big an increase is that?" -> "80
    officers are now in the West End.") is not answered."""
    return any(s.shown and s.kind == "claim" and same_words(s.text) not in seen for s in ans.sentences)


def _repeated(part: str) -> Sentence:
    """What a part answered only by an earlier part's sentences shows: that nothing more was
    found for it (the part as the question put it, not as rewritten with the part before)."""
    return Sentence(text=f"Nothing more found for “{part.strip()}”: its only answer "
                         "repeats the one above.", kind="gap",
                    reason="its shown sentences repeat an earlier part's")


def _missing(ans: Answer) -> Sentence:
    """What a part the articles don't answer shows: that, and what was searched for it."""
    return Sentence(text=f"{REFUSAL.rstrip('.')}: searched {ans.searched}.", kind="gap",
                    reason=ans.sentences[0].reason if ans.sentences else "")


def shifted(s: Sentence, off: int) -> Sentence:
    """The sentence with its citation numbers moved on by off."""
    if not off:
        return s
    return s.model_copy(update={"citations": [n + off for n in s.citations],
                                "spans": [Span(n=sp.n + off, start=sp.start, end=sp.end)
                                          for sp in s.spans]})


def _summed(dicts: list[dict]) -> dict:
    out: dict = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out
