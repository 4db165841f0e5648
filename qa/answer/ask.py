"""Answer a question: retrieve, gate, generate with [n] citations, check every sentence."""

from __future__ import annotations

import time
from collections.abc import Callable

from qa import prompts, telemetry
from qa.answer import asked, evidence, multipart, parts, questions
from qa.answer import verdict as verdicts
from qa.answer.compose import compose
from qa.answer.direct import direct_answer, held_by, split_direct
from qa.answer.draft import Complete, DraftChecker, default_complete
from qa.answer.followup import standalone_question
from qa.answer.gate import screen
from qa.answer.quoted import quoted_answer
from qa.answer.refusals import GATE_REFUSED, REFUSAL, refusal
from qa.check.backing import Held, backing, unbacked
from qa.check.cite import citations_of
from qa.check.markers import render_sentences
from qa.check.quotes import restated
from qa.config import Settings
from qa.index.retrieve import Filters, search
from qa.index.store import Store
from qa.models import Answer, Passage, Sentence

__all__ = ["REFUSAL", "ask", "gather", "write"]

NO_DIRECT = Sentence(text="", kind="answer", shown=False)  # an answer without a direct answer line


def ask(question: str, settings: Settings, store: Store, *, complete: Complete | None = None,
        filters: Filters | None = None, on_sentence: Callable[[Sentence], None] | None = None,
        on_progress: Callable[[str], None] | None = None) -> Answer:
    """The checked answer to question, or a refusal when the articles don't hold it.
    `on_sentence` gets each sentence to be shown once written and checked (nobody sees an
    unchecked one); a yes/no verdict just before the first checked, cited sentence giving its
    reasons, never without one (qa.check.backing). `on_progress` hears what is being done.
    Comparisons and orderings are composed from parts; two questions in one answered in turn.
    Each step is an OpenTelemetry span (qa.telemetry) under one `qa.ask` span."""
    with telemetry.span("ask", question=question) as sp:
        ans = _ask(question, settings, store, complete or default_complete(), filters, on_sentence,
                   on_progress)
        telemetry.note(sp, refused=ans.refused, citations=len(ans.citations),
                       sentences_shown=sum(x.shown for x in ans.sentences))
        telemetry.timings(sp, ans.timings)
        return ans


def _ask(question: str, settings: Settings, store: Store, complete: Complete, filters: Filters | None,
         on_sentence: Callable[[Sentence], None] | None,
         on_progress: Callable[[str], None] | None) -> Answer:
    if subs := _parts_asked(question, settings, store):
        return _by_parts(question, subs, settings, store, complete, filters, on_sentence, on_progress)
    progress = on_progress or (lambda _: None)
    timings: dict[str, float] = {}
    extra: dict = {"model": settings.model, "timings": timings, "usage": {}}
    composed = composed_answer(question, settings, store, complete, filters, extra)
    if composed is not None and composed.answer:  # every part found: its verdict stands
        return streamed(composed, on_sentence)
    passages, refused = gather(question, settings, store, filters, timings)

    def refuse(reason: str, quote: bool = True, **more) -> Answer:
        if composed is not None:  # the parts that were found, cited, rather than nothing
            return streamed(composed, on_sentence)
        texts = _texts(store, passages)
        if quote and (found := _quoted(question, passages, texts, settings, complete, reason, timings)):
            return streamed(_answer(question, NO_DIRECT, False, [found], [found], passages, texts,
                                    more.get("dropped_citations", 0), extra), on_sentence)
        return refusal(question, reason, passages, texts=texts,
                       n_articles=store.counts()["articles"], filters=filters, **more, **extra)

    if refused:
        return refuse(refused, quote=False)
    progress(f"reading the evidence: {len(passages)} passages from "
             f"{len({p.article_id for p in passages})} articles")
    deny, why = screen(question, passages, settings, complete, extra)
    if deny:
        return refuse(f"{GATE_REFUSED} ({why})")
    unsure, polar = why, questions.asks_yes_no(question)  # unsure: only the draft's checked sentences answer
    verdict = polar_verdict(question, passages, settings, complete, timings) if polar else None
    emit = asked.Awaited(asked.asked_for(question), Held(verdict, on_sentence).emit)
    said, sentences, kept, texts, dropped = write(question, passages, settings, store, complete,
                                                  emit if on_sentence else None, progress, extra)
    if not _per_sentence(timings, sentences):
        return refuse("the model found no answer in the passages" + unbacked(verdict),
                      rejected=[s for s in sentences if s.kind == "gap"])
    if unsure and not backing(sentences):
        return refuse(f"the passages may not answer it ({unsure}) and no sentence of the draft was "
                      "supported by its citations" + unbacked(verdict), rejected=sentences,
                      dropped_citations=dropped)
    if not backing(sentences):
        quotes = (restated(sentences, passages, texts)  # the article's own words, when restated
                  or held_by(said, question, passages, texts))  # or holding the direct answer's figure
        if not quotes:
            return refuse("no sentence of the draft answer was supported by its citations"
                          + unbacked(verdict), rejected=sentences, dropped_citations=dropped)
        sentences, kept = sentences + quotes, kept + quotes
        for s in quotes:
            emit(s)
    direct = verdict or direct_answer(said, kept, passages, polar=polar, question=question)
    if lacking := asked.missing(emit.kind, [direct] * direct.shown + backing(sentences)):
        return refuse(lacking, rejected=sentences, dropped_citations=dropped)
    emit.flush()  # held sentences, when only the direct answer gave what was asked
    return _answer(question, direct, bool(said) or verdict is not None, sentences, kept, passages, texts,
                   dropped, extra)


def _answer(question: str, direct: Sentence, with_direct: bool, sentences: list[Sentence],
            kept: list[Sentence], passages: list[Passage], texts: dict[str, str],
            dropped: int, extra: dict) -> Answer:
    """The answer shown: the direct answer (when there is one and it stands) before the kept,
    checked sentences."""
    if with_direct:
        sentences.insert(0, direct)
    text = render_sentences(kept)
    return Answer(question=question, answer=direct.text.rstrip(".") if direct.shown else "",
                  text=f"{direct.text} {text}".strip() if direct.shown else text, refused=False,
                  sentences=sentences, citations=citations_of(kept, passages, texts),
                  dropped_citations=dropped, passages=passages, **extra)


def _quoted(question: str, passages: list[Passage], texts: dict[str, str], settings: Settings,
            complete: Complete, why_refused: str, timings: dict[str, float]) -> Sentence | None:
    """The closest sentence the model judges alone to state the answer (qa.answer.quoted), timed."""
    t = time.perf_counter()
    found = quoted_answer(question, passages, texts, settings, getattr(complete, "yes_probability", None),
                          why_refused)
    timings["quote"] = time.perf_counter() - t
    return found


def _by_parts(question: str, subs: list[str], settings: Settings, store: Store, complete: Complete,
              filters: Filters | None, on_sentence: Callable[[Sentence], None] | None,
              on_progress: Callable[[str], None] | None) -> Answer:
    """A question asking two things, each part asked as a question (qa.answer.multipart)."""
    def one(q: str, emit: Callable[[Sentence], None] | None) -> Answer:
        return ask(q, settings, store, complete=complete, filters=filters, on_sentence=emit,
                   on_progress=on_progress)

    return multipart.answer_parts(question, subs, one, lambda q, history: standalone_question(
        q, history, settings, complete), on_sentence)


def _parts_asked(question: str, settings: Settings, store: Store) -> list[str] | None:
    """The parts of a question asking two things at once (qa.answer.multipart); None for one
    thing, and for a comparison or ordering, which is composed instead."""
    if not settings.answer.split_parts:
        return None
    subs = multipart.split(question)
    if subs and settings.answer.compose and parts.plan(question, list(store.catalog().sources)):
        return None
    return subs


def _per_sentence(timings: dict[str, float], sentences: list[Sentence]) -> int:
    """How many claims the draft had checked; their mean check time goes into timings."""
    checked = sum(s.kind == "claim" for s in sentences)
    if checked:
        timings["check_per_sentence"] = timings["check"] / checked
    return checked


def streamed(answer: Answer, on_sentence: Callable[[Sentence], None] | None) -> Answer:
    """A composed answer, its shown sentences handed to on_sentence in order (its verdict, when
    it has one, comes just before the cited part that backs it)."""
    for s in answer.sentences if on_sentence else []:
        if s.shown:
            on_sentence(s)  # type: ignore[misc]
    return answer


def composed_answer(question: str, settings: Settings, store: Store, complete: Complete,
                    filters: Filters | None, extra: dict) -> Answer | None:
    """A comparison or ordering question answered from its parts, each with its own cited
    sentence, the verdict drawn in code (qa.answer.compose); None for any other question, or
    when no part is found. Without a verdict (a part not found) it stands only where the
    question would otherwise be refused."""
    if not settings.answer.compose:
        return None
    plan = parts.plan(question, list(store.catalog().sources))
    if plan is None:
        return None
    scorer = getattr(complete, "yes_probability", None)
    with telemetry.span("compose", parts=len(plan.parts)):
        return compose(question, plan, settings, store, scorer, filters, extra)


def _texts(store: Store, passages: list[Passage]) -> dict[str, str]:
    return {a: store.text(a) for a in {p.article_id for p in passages}}


def write(question: str, passages: list[Passage], settings: Settings, store: Store,
          complete: Complete, on_sentence: Callable[[Sentence], None] | None,
          progress: Callable[[str], None], extra: dict):
    """The model's draft answer, each sentence checked as it comes (DraftChecker): (its direct
    answer, all its sentences, those to show, the articles' texts, citations dropped)."""
    timings = extra["timings"]
    checker = DraftChecker(passages, store, settings, complete, on_sentence,
                           scores_known=extra.get("answerable") is not None, question=question)
    progress("writing the answer; each sentence appears once it has passed its check"
             + (" (those the model must weigh, once the answer is written)"
                if checker.wait_for_draft else ""))
    t = time.perf_counter()
    draft = ""
    with telemetry.span("generate", passages=len(passages)) as sp:  # the checks run within it
        for piece in complete(settings, prompts.messages("answer", passages, question=question.strip()),
                              max_tokens=settings.answer.max_tokens, stream=True, usage=extra["usage"]):
            draft += piece
            checker.feed(split_direct(draft)[1])
        telemetry.note(sp, **{f"tokens_{k}": v for k, v in extra["usage"].items()})
    raw = draft.strip()
    timings["generate"] = time.perf_counter() - t - checker.seconds
    extra["draft"] = raw
    said, body = split_direct(raw)
    sentences, kept, texts, dropped = checker.finish(body)
    extra["checked_by"] = checker.checked_by
    timings["check"] = checker.seconds
    return said, sentences, kept, texts, dropped


def polar_verdict(question: str, passages: list[Passage], settings: Settings, complete: Complete,
                  timings: dict[str, float]) -> Sentence | None:
    """The direct answer to a yes/no question, decided by the model's P(yes) over the
    evidence (qa.answer.verdict) as a sentence; None when the model gives no probabilities."""
    scorer = getattr(complete, "yes_probability", None)
    if scorer is None or not settings.answer.verdict:
        return None
    t = time.perf_counter()
    with telemetry.span("verdict") as sp:
        v = verdicts.verdict(question, passages, settings, scorer)
        telemetry.note(sp, verdict=v.answer if v else "")
    timings["verdict"] = time.perf_counter() - t
    if v is None:
        return None
    return Sentence(text=f"{v.answer}.", kind="answer", support=v.p_yes,
                    reason=f"the model's verdict over the passages: {v.reason()}")


def gather(question: str, settings: Settings, store: Store, filters: Filters | None = None,
           timings: dict[str, float] | None = None) -> tuple[list[Passage], str]:
    """What the model will read for question: (passages, "") or, when nothing retrieved is
    about it, (the retrieved passages, why it is refused without calling the model)."""
    timings = {} if timings is None else timings
    ev = settings.evidence
    t = time.perf_counter()
    with telemetry.span("retrieve") as sp:
        passages = search(store, question, settings.retrieval, filters=filters,
                          k=ev.chunks if ev.sentences else None)
        telemetry.note(sp, articles=sorted({p.article_id for p in passages}))
    timings["retrieve"] = time.perf_counter() - t
    if not passages or max(p.similarity for p in passages) < settings.retrieval.min_similarity:
        return passages, "no passage is about this question"
    if not ev.sentences:
        return prompts.within_budget(passages, settings.answer.passage_tokens), ""
    t = time.perf_counter()
    with telemetry.span("evidence") as sp:
        passages, required = with_named(question, passages, store, settings, filters)
        texts = {a: store.text(a) for a in {p.article_id for p in passages}}
        passages = evidence.select(question, passages, texts, ev, settings.embedder, required)
        telemetry.note(sp, passages=len(passages))
    timings["evidence"] = time.perf_counter() - t
    return passages, ""


def with_named(question: str, passages: list[Passage], store: Store, settings: Settings,
               filters: Filters | None) -> tuple[list[Passage], list[str]]:
    """The passages plus a search of their own for each outlet and day the question names
    (qa.answer.questions), and the best article of each such search."""
    found = {p.chunk_id for p in passages}
    required: list[str] = []
    for slot in questions.slots(question, list(store.catalog().sources), filters):
        hits = search(store, question, settings.retrieval, k=3, filters=slot.filters)
        if hits:
            required.append(hits[0].article_id)
        passages = passages + [h for h in hits if h.chunk_id not in found]
        found |= {h.chunk_id for h in hits}
    return passages, required
