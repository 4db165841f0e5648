"""Answer a question: retrieve, gate, generate with [n] citations, check every sentence."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from qa import prompts
from qa.cite import check_sentences, is_refusal, split_answer
from qa.config import Settings
from qa.models import Answer, Passage, Sentence
from qa.retrieve import Filters, search
from qa.store import Store

REFUSAL = "The articles don't say."
Complete = Callable[..., Iterator[str]]


def refusal(question: str, reason: str, passages: list[Passage], **extra) -> Answer:
    return Answer(question=question, text=REFUSAL, refused=True, passages=passages,
                  sentences=[Sentence(text=REFUSAL, supported=True, reason=reason)], **extra)


def ask(question: str, settings: Settings, store: Store, *, complete: Complete | None = None,
        filters: Filters | None = None, on_token: Callable[[str], None] | None = None) -> Answer:
    """The checked answer to question, or a refusal when the articles don't hold it."""
    if complete is None:
        from qa.llm import complete
    timings: dict[str, float] = {}
    usage: dict[str, int] = {}
    t = time.perf_counter()
    passages = search(store, question, settings.retrieval, filters=filters)
    timings["retrieve"] = time.perf_counter() - t
    extra = {"model": settings.model, "timings": timings, "usage": usage}
    if not passages or max(p.similarity for p in passages) < settings.retrieval.min_similarity:
        return refusal(question, "no passage is about this question", passages, **extra)

    if settings.answer.gate:
        t = time.perf_counter()
        verdict = "".join(complete(settings, prompts.messages("gate", passages, question),
                                   max_tokens=3, usage=usage))
        timings["gate"] = time.perf_counter() - t
        if not verdict.strip().lower().startswith("yes"):
            return refusal(question, f"the passages do not answer it (gate said {verdict.strip()!r})",
                            passages, **extra)

    t = time.perf_counter()
    pieces = []
    for piece in complete(settings, prompts.messages("answer", passages, question),
                          max_tokens=settings.answer.max_tokens, stream=True, usage=usage):
        pieces.append(piece)
        if on_token:
            on_token(piece)
    raw = "".join(pieces).strip()
    timings["generate"] = time.perf_counter() - t
    if not raw or is_refusal(raw):
        return refusal(question, "the model found no answer in the passages", passages, **extra)

    t = time.perf_counter()
    sentences, dropped = split_answer(raw, len(passages))
    texts = {a: store.article(a).text for a in {p.article_id for p in passages}}
    citations = check_sentences(sentences, passages, texts, settings.answer.support_threshold)
    timings["check"] = time.perf_counter() - t
    kept = [s for s in sentences if s.supported or settings.answer.policy == "flag"]
    if not any(s.supported for s in sentences):
        return refusal(question, "no sentence of the draft answer was supported by its citations: "
                        + "; ".join(s.reason for s in sentences), passages,
                        dropped_citations=dropped, **extra)
    used = {n for s in kept for n in s.citations}
    text = " ".join(s.text[:-1] + "".join(f" [{n}]" for n in s.citations) + s.text[-1]
                    if s.citations and s.text[-1] in ".!?" else
                    s.text + "".join(f" [{n}]" for n in s.citations) for s in kept)
    return Answer(question=question, text=text, refused=False, sentences=sentences,
                  citations=[c for c in citations if c.n in used], dropped_citations=dropped,
                  passages=passages, **extra)
