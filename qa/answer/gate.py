"""The answerability gate: does the evidence answer the question? The model's P(yes) from its
log-probabilities against a threshold tuned by bench/gate.py (the sampled word when a model
gives none), with a floor below which it refuses and above which, up to the threshold, the
draft decides (settings.answer.gate_floor). Below the floor, a second look
(settings.answer.gate_passage): each passage asked alone, since an answer in one passage can
be drowned by the others; if one scores high enough, the draft decides. Yes/no questions get
a gate worded for them (qa.answer.questions.asks_yes_no): the plain gate answers the question
itself ("no") instead of saying whether the passages answer it."""

from __future__ import annotations

import time

from qa import prompts, telemetry
from qa.answer import questions
from qa.answer.draft import Complete
from qa.check.cite import against
from qa.config import Settings
from qa.models import Passage

__all__ = ["gate", "screen"]


def screen(question: str, passages: list[Passage], settings: Settings, complete: Complete,
           extra: dict) -> tuple[bool, str]:
    """The gate's word: (True, why) to refuse, below gate_floor (below gate_threshold when there
    is no floor); (False, why) when it is unsure, from the floor up to the threshold, and the
    draft decides; (False, "") when it passes the question or is off."""
    if not settings.answer.gate:
        return False, ""
    t = time.perf_counter()
    with telemetry.span("gate", passages=len(passages)) as sp:
        ok, why, p_yes = gate(question, passages, settings, complete, extra["usage"])
        telemetry.note(sp, passes=ok, why=why, p_yes=p_yes)
    extra["timings"]["gate"] = time.perf_counter() - t
    if p_yes is not None:
        extra["answerable"] = p_yes
    if ok:
        return False, ""
    floor = settings.answer.gate_floor
    if floor is None or p_yes is None:  # no floor, or only the sampled word: "no" refuses
        return True, why
    if p_yes >= floor:
        return False, why
    t = time.perf_counter()
    alone = second_look(question, passages, settings, complete)
    if settings.answer.gate_passage is not None:
        extra["timings"]["gate_passages"] = time.perf_counter() - t
    if alone is not None:
        return False, f"{against('P(yes)', p_yes, floor)}, but one passage alone: {alone}"
    return True, against("P(yes)", p_yes, floor)


def second_look(question: str, passages: list[Passage], settings: Settings,
                complete: Complete) -> str | None:
    """Each passage asked alone, when settings.answer.gate_passage is set: why the draft
    should decide (the first passage at or above it), else None."""
    least = settings.answer.gate_passage
    scorer = getattr(complete, "yes_probability", None)
    if least is None or scorer is None or len(passages) < 2:
        return None
    name = "gate_polar" if questions.asks_yes_no(question) else "gate"
    with telemetry.span("gate_passages", passages=len(passages)) as sp:
        for n, p in enumerate(passages, 1):
            p_yes = scorer(settings, prompts.messages(name, [p], question=question.strip()))
            if p_yes is not None and p_yes >= least:
                telemetry.note(sp, passage=n, p_yes=p_yes)
                return f"passage {n} {against('P(yes)', p_yes, least)}"
    return None


def gate(question: str, passages: list[Passage], settings: Settings, complete: Complete,
         usage: dict) -> tuple[bool, str, float | None]:
    """Do the passages answer the question? The model's P(yes) against the tuned threshold
    (see bench/gate.py) when its log-probabilities can be read; otherwise the word it
    samples. (answerable?, why, P(yes) or None when only the word is known)."""
    name = "gate_polar" if questions.asks_yes_no(question) else "gate"
    msgs = prompts.messages(name, passages, question=question.strip())
    threshold = settings.answer.gate_threshold
    scorer = getattr(complete, "yes_probability", None)  # a model function may offer one
    p_yes = scorer(settings, msgs) if scorer else None
    if p_yes is not None:
        return p_yes >= threshold, against("P(yes)", p_yes, threshold), p_yes
    verdict = "".join(complete(settings, msgs, max_tokens=3, usage=usage)).strip()
    return verdict.lower().startswith("yes"), f"the model said {verdict!r}", None
