"""Answer a question: retrieve, gate, generate with [n] citations, check every sentence."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

from qa import prompts
from qa.cite import check_sentences, citations_of, is_refusal, render_sentences, split_answer
from qa.config import Settings
from qa.models import Answer, Passage, Sentence, Span
from qa.retrieve import Filters, search
from qa.store import Store

REFUSAL = "The articles don't say."
# Yes/no questions: the plain gate answers the question itself ("no") instead of saying
# whether the passages answer it, so they get a gate worded against that.
_POLAR = re.compile(r"(^|[,;:]\s*)(does|do|did|is|are|was|were|has|have|had|can|could|will|"
                    r"would|should)\b", re.IGNORECASE)
Complete = Callable[..., Iterator[str]]


def refusal(question: str, reason: str, passages: list[Passage], rejected: list[Sentence] | None = None,
            **extra) -> Answer:
    """The refusal; the draft's rejected sentences follow, each with why it failed."""
    return Answer(question=question, text=REFUSAL, refused=True, passages=passages,
                  sentences=[Sentence(text=REFUSAL, supported=True, reason=reason), *(rejected or [])],
                  **extra)


def ask(question: str, settings: Settings, store: Store, *, complete: Complete | None = None,
        filters: Filters | None = None, on_token: Callable[[str], None] | None = None) -> Answer:
    """The checked answer to question, or a refusal when the articles don't hold it."""
    complete = complete or default_complete()
    timings: dict[str, float] = {}
    usage: dict[str, int] = {}
    t = time.perf_counter()
    passages = search(store, question, settings.retrieval, filters=filters)
    timings["retrieve"] = time.perf_counter() - t
    extra: dict = {"model": settings.model, "timings": timings, "usage": usage}
    if not passages or max(p.similarity for p in passages) < settings.retrieval.min_similarity:
        return refusal(question, "no passage is about this question", passages, **extra)
    passages = prompts.within_budget(passages, settings.answer.passage_tokens)

    if settings.answer.gate:
        t = time.perf_counter()
        gate = "gate_polar" if _POLAR.search(question.strip()) else "gate"
        verdict = "".join(complete(settings, prompts.messages(gate, passages, question=question.strip()),
                                   max_tokens=3, usage=usage))
        timings["gate"] = time.perf_counter() - t
        if not verdict.strip().lower().startswith("yes"):
            return refusal(question, f"the passages do not answer it (gate said {verdict.strip()!r})",
                            passages, **extra)

    t = time.perf_counter()
    pieces = []
    for piece in complete(settings, prompts.messages("answer", passages, question=question.strip()),
                          max_tokens=settings.answer.max_tokens, stream=True, usage=usage):
        pieces.append(piece)
        if on_token:
            on_token(piece)
    raw = "".join(pieces).strip()
    timings["generate"] = time.perf_counter() - t
    extra["draft"] = raw
    if not raw or is_refusal(raw):
        return refusal(question, "the model found no answer in the passages", passages, **extra)

    t = time.perf_counter()
    sentences, kept, texts, dropped = check_draft(raw, passages, store, settings, complete, usage)
    timings["check"] = time.perf_counter() - t
    if not any(s.supported for s in sentences):
        return refusal(question, "no sentence of the draft answer was supported by its citations",
                       passages, rejected=sentences, dropped_citations=dropped, **extra)
    return Answer(question=question, text=render_sentences(kept), refused=False, sentences=sentences,
                  citations=citations_of(kept, passages, texts), dropped_citations=dropped,
                  passages=passages, **extra)


def default_complete() -> Complete:
    """qa.llm.complete, imported only when a model is called (litellm is slow to import)."""
    from qa.llm import complete

    return complete


def check_draft(raw: str, passages: list[Passage], store: Store, settings: Settings,
                complete: Complete, usage: dict
                ) -> tuple[list[Sentence], list[Sentence], dict[str, str], int]:
    """A model's draft split into sentences and checked against the passages (answers and
    summaries alike): (all sentences, those to show, article texts, dropped citations)."""
    sentences, dropped = split_answer(raw, len(passages))
    texts = {a: store.text(a) for a in {p.article_id for p in passages}}
    if settings.answer.check:
        check_sentences(sentences, passages, texts, settings.answer.support_threshold,
                        embedder=settings.embedder)
    else:
        for s in sentences:
            s.spans = [Span(n=n, start=passages[n - 1].start, end=passages[n - 1].end)
                       for n in s.citations]
            s.reason = "not checked"
    if settings.answer.judge:
        judge_sentences(sentences, passages, settings, complete, usage)
    kept = [s for s in sentences if s.supported or settings.answer.policy == "flag"]
    return sentences, kept, texts, dropped


def judge_sentences(sentences: list[Sentence], passages: list[Passage], settings: Settings,
                    complete: Complete, usage: dict) -> None:
    """The model as a yes/no judge of each sentence the rules let through."""
    for s in sentences:
        if not s.supported:
            continue
        evidence = "\n\n".join(passages[n - 1].text for n in s.citations)
        msg = [{"role": "user", "content": prompts.render("judge", evidence=evidence, claim=s.text)}]
        verdict = "".join(complete(settings, msg, max_tokens=2, usage=usage)).strip().lower()
        if not verdict.startswith("yes"):
            s.supported = False
            s.reason = f"the model judged that the cited passages do not state it ({s.reason})"


def standalone_question(question: str, history: list[tuple[str, str]], settings: Settings,
                        complete: Complete | None = None) -> str:
    """A follow-up ("and how many were charged?") rewritten with the conversation so that
    retrieval finds the right passage; unchanged when there is no history."""
    if not history:
        return question
    complete = complete or default_complete()
    turns = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history[-3:])
    msg = [{"role": "user", "content": prompts.render("rewrite", history=turns,
                                                      question=question.strip())}]
    out = "".join(complete(settings, msg, max_tokens=60)).strip().strip('"').splitlines()
    return out[0].strip() if out and out[0].strip() else question
