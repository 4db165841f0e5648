"""Answer a question: retrieve, gate, generate with [n] citations, check every sentence."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from itertools import takewhile

from qa import evidence, prompts, questions
from qa import verdict as verdicts
from qa.backing import Held, backing, unbacked
from qa.cite import (
    Evidence,
    against,
    check_sentences,
    citations_of,
    is_refusal,
    render_sentences,
    split_answer,
)
from qa.config import Settings
from qa.direct import direct_answer, same_words, split_direct
from qa.models import Answer, Passage, Sentence, Span
from qa.quotes import restated
from qa.refusals import REFUSAL, refusal
from qa.retrieve import Filters, search
from qa.store import Store
from qa.support import RULES, claim_messages, model_verdicts, settled_without_model

# Yes/no questions get a gate worded for them (qa.questions.asks_yes_no): the plain gate
# answers the question itself ("no") instead of saying whether the passages answer it.
Complete = Callable[..., Iterator[str]]
__all__ = ["REFUSAL", "Complete", "DraftChecker", "ask", "gather", "gate", "screen",
           "standalone_question", "write"]
_SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*\s+\S")  # a sentence ended and another began


def ask(question: str, settings: Settings, store: Store, *, complete: Complete | None = None,
        filters: Filters | None = None, on_sentence: Callable[[Sentence], None] | None = None,
        on_progress: Callable[[str], None] | None = None) -> Answer:
    """The checked answer to question, or a refusal when the articles don't hold it.

    `on_sentence` is called with each sentence that will be shown, as soon as the model has
    written it and it has passed its check: nobody sees an unchecked sentence. A yes/no
    verdict is handed out just before the first checked, cited sentence that gives its
    reasons, and not at all without one (qa.backing). `on_progress` hears what is being done
    while nothing can be shown yet."""
    complete = complete or default_complete()
    progress = on_progress or (lambda _: None)
    timings: dict[str, float] = {}
    usage: dict[str, int] = {}
    passages, refused = gather(question, settings, store, filters, timings)
    extra: dict = {"model": settings.model, "timings": timings, "usage": usage}

    def refuse(reason: str, **more) -> Answer:
        return refusal(question, reason, passages, texts=_texts(store, passages),
                       n_articles=store.counts()["articles"], filters=filters, **more, **extra)

    if refused:
        return refuse(refused)
    progress(f"reading the evidence: {len(passages)} passages from "
             f"{len({p.article_id for p in passages})} articles")
    deny, why = screen(question, passages, settings, complete, extra)
    if deny:
        return refuse(f"the passages do not answer it ({why})")
    unsure = why  # the gate's doubt, if any: then only the draft's own checked sentences answer
    polar = questions.asks_yes_no(question)
    verdict = polar_verdict(question, passages, settings, complete, timings) if polar else None
    held = Held(verdict, on_sentence)
    said, sentences, kept, texts, dropped = write(question, passages, settings, store, complete,
                                                  held.emit if on_sentence else None, progress, extra)
    checked = sum(s.kind == "claim" for s in sentences)
    if checked:
        timings["check_per_sentence"] = timings["check"] / checked
    if not checked:
        return refuse("the model found no answer in the passages" + unbacked(verdict),
                      rejected=[s for s in sentences if s.kind == "gap"])
    if unsure and not backing(sentences):
        return refuse(f"the passages may not answer it ({unsure}) and no sentence of the draft was "
                      "supported by its citations" + unbacked(verdict), rejected=sentences,
                      dropped_citations=dropped)
    if not backing(sentences):
        quotes = restated(sentences, passages, texts)  # the article's own words, when restated
        if not quotes:
            return refuse("no sentence of the draft answer was supported by its citations"
                          + unbacked(verdict), rejected=sentences, dropped_citations=dropped)
        sentences, kept = sentences + quotes, kept + quotes
        for s in quotes:
            held.emit(s)
    direct = verdict or direct_answer(said, kept, passages, polar=polar)
    if said or verdict is not None:
        sentences.insert(0, direct)
    text = render_sentences(kept)
    return Answer(question=question, answer=direct.text.rstrip(".") if direct.shown else "",
                  text=f"{direct.text} {text}".strip() if direct.shown else text, refused=False,
                  sentences=sentences, citations=citations_of(kept, passages, texts),
                  dropped_citations=dropped, passages=passages, **extra)


def _texts(store: Store, passages: list[Passage]) -> dict[str, str]:
    return {a: store.text(a) for a in {p.article_id for p in passages}}


def screen(question: str, passages: list[Passage], settings: Settings, complete: Complete,
           extra: dict) -> tuple[bool, str]:
    """The gate's word: (True, why) to refuse, below gate_floor (below gate_threshold when there
    is no floor); (False, why) when it is unsure, from the floor up to the threshold, and the
    draft decides; (False, "") when it passes the question or is off."""
    if not settings.answer.gate:
        return False, ""
    t = time.perf_counter()
    ok, why, p_yes = gate(question, passages, settings, complete, extra["usage"])
    extra["timings"]["gate"] = time.perf_counter() - t
    if p_yes is not None:
        extra["answerable"] = p_yes
    if ok:
        return False, ""
    floor = settings.answer.gate_floor
    if floor is None or p_yes is None:  # no floor, or only the sampled word: "no" refuses
        return True, why
    return (True, against("P(yes)", p_yes, floor)) if p_yes < floor else (False, why)


def write(question: str, passages: list[Passage], settings: Settings, store: Store,
          complete: Complete, on_sentence: Callable[[Sentence], None] | None,
          progress: Callable[[str], None], extra: dict):
    """The model's draft answer, each sentence checked as it comes (DraftChecker): (its direct
    answer, all its sentences, those to show, the articles' texts, citations dropped)."""
    timings = extra["timings"]
    checker = DraftChecker(passages, store, settings, complete, on_sentence,
                           scores_known=extra.get("answerable") is not None)
    progress("writing the answer; each sentence appears once it has passed its check"
             + (" (those the model must weigh, once the answer is written)"
                if checker.wait_for_draft else ""))
    t = time.perf_counter()
    draft = ""
    for piece in complete(settings, prompts.messages("answer", passages, question=question.strip()),
                          max_tokens=settings.answer.max_tokens, stream=True, usage=extra["usage"]):
        draft += piece
        checker.feed(split_direct(draft)[1])
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
    evidence (qa.verdict) as a sentence; None when the model gives no probabilities."""
    scorer = getattr(complete, "yes_probability", None)
    if scorer is None or not settings.answer.verdict:
        return None
    t = time.perf_counter()
    v = verdicts.verdict(question, passages, settings, scorer)
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
    passages = search(store, question, settings.retrieval, filters=filters,
                      k=ev.chunks if ev.sentences else None)
    timings["retrieve"] = time.perf_counter() - t
    if not passages or max(p.similarity for p in passages) < settings.retrieval.min_similarity:
        return passages, "no passage is about this question"
    if not ev.sentences:
        return prompts.within_budget(passages, settings.answer.passage_tokens), ""
    t = time.perf_counter()
    passages, required = with_named(question, passages, store, settings, filters)
    texts = {a: store.text(a) for a in {p.article_id for p in passages}}
    passages = evidence.select(question, passages, texts, ev, settings.embedder, required)
    timings["evidence"] = time.perf_counter() - t
    return passages, ""


def with_named(question: str, passages: list[Passage], store: Store, settings: Settings,
               filters: Filters | None) -> tuple[list[Passage], list[str]]:
    """The passages plus a search of their own for each outlet and day the question names
    (qa.questions), and the best article of each such search."""
    found = {p.chunk_id for p in passages}
    required: list[str] = []
    for slot in questions.slots(question, list(store.catalog().sources), filters):
        hits = search(store, question, settings.retrieval, k=3, filters=slot.filters)
        if hits:
            required.append(hits[0].article_id)
        passages = passages + [h for h in hits if h.chunk_id not in found]
        found |= {h.chunk_id for h in hits}
    return passages, required


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


def default_complete() -> Complete:
    """qa.llm.complete, imported only when a model is called (litellm is slow to import)."""
    from qa.llm import complete

    return complete


class DraftChecker:
    """Checks a draft's sentences as the model completes them (answers and summaries alike).

    `feed(draft so far)` checks each sentence once a later one has begun, and hands those to
    be shown to `on_sentence`; `finish(whole draft)` splits the whole draft again (the last
    word on where sentences end), reuses the verdicts of sentences already checked and checks
    the rest. A sentence that states what the passages do not say, and cites nothing, is a
    gap: shown as such, not checked, and not a reason to discard the rest of the answer.

    With the model's verdict on (qa.support), the sentences the rules pass are put to the
    model too; the local model cannot be asked while it is still writing, so then the
    sentences the model must weigh are checked once the draft is done, and each is handed out
    as soon as its own check (and those of the sentences before it) is done. A sentence whose
    rules' verdict is final (qa.support.settled_without_model: vetoed, a fragment, or copied
    word for word) is handed out as it is written, once the model is known to give
    probabilities (`scores_known`: the gate read them), like those before it.
    `checked_by` tells how they were checked.
    `cited_only`: each claim is put to the model with the passages it cites alone (see
    qa.support.claim_messages); `finish` may then be called after each sentence is written."""

    def __init__(self, passages: list[Passage], store: Store, settings: Settings,
                 complete: Complete, on_sentence: Callable[[Sentence], None] | None = None,
                 cited_only: bool = False, scores_known: bool = False):
        self.passages, self.settings, self.cited_only = passages, settings, cited_only
        self.on_sentence = on_sentence
        # the passages' articles, and their copies: a citation names the copies carrying its quote
        self.texts = {a: store.text(a) for a in {p.article_id for p in passages}
                      | {c.article_id for p in passages for c in p.also_in}}
        self.done: dict[tuple[str, tuple[int, ...]], Sentence] = {}
        self.evidence: Evidence | None = None
        self.shown = 0
        self.seconds = 0.0
        check = settings.answer.check
        asks_model = check and settings.answer.model_check
        self.scorer = getattr(complete, "yes_probability", None) if asks_model else None
        self.checked_by = RULES if check else ""
        self.probed = scores_known  # the scorer is known to give probabilities
        self.unasked: list[Sentence] = []  # claims the rules passed, not yet put to the model
        # the local model runs one call at a time: it can be asked only once it has written
        self.wait_for_draft = self.scorer is not None and settings.model.startswith("local/")

    def feed(self, draft: str) -> None:
        if self.on_sentence is None or not _SENTENCE_END.search(draft):
            return
        if self.wait_for_draft and not self.probed:
            return
        sentences, _ = split_answer(draft, len(self.passages))
        checked = self._check(sentences[:-1], ask_model=not self.wait_for_draft)
        if self.wait_for_draft:  # the next ones, only as far as the rules alone settle each
            checked = checked[:self.shown] + list(takewhile(
                lambda s: settled_without_model(s, self.passages) is not None, checked[self.shown:]))
        self._hand_out(checked)

    def finish(self, raw: str) -> tuple[list[Sentence], list[Sentence], dict[str, str], int]:
        """(all sentences, those to show, article texts, dropped citations); the sentences not
        handed out yet (the last one, at least) go to on_sentence now."""
        sentences, dropped = split_answer(raw, len(self.passages))
        if self.on_sentence is not None:  # each shown once it and those before it are checked
            for i in range(self.shown + 1, len(sentences) + 1):
                self._hand_out(self._check(sentences[:i]))
        sentences = self._check(sentences)
        twins = _repeats(sentences)
        for i, s in enumerate(sentences):
            if i in twins:  # one object with its twin (checked once): copied to say so
                sentences[i] = s = s.model_copy(update={"reason": f"repeats sentence {twins[i] + 1}"})
            s.shown = self._shows(s) and i not in twins
        return sentences, [s for s in sentences if s.shown], self.texts, dropped

    def _shows(self, s: Sentence) -> bool:
        return s.supported or self.settings.answer.policy == "flag"

    def _hand_out(self, checked: list[Sentence]) -> None:
        twins = _repeats(checked)
        for i in range(self.shown, len(checked)):
            if self._shows(checked[i]) and i not in twins:
                self.on_sentence(checked[i])  # type: ignore[misc]
            self.shown += 1

    def _check(self, sentences: list[Sentence], ask_model: bool = True) -> list[Sentence]:
        """The sentences checked (each once); `ask_model=False`: by the rules only, the model
        asked about them at a later call."""
        t = time.perf_counter()
        keys = [_key(s) for s in sentences]  # before checking: a re-cite changes citations
        todo = [s for s, k in zip(sentences, keys) if k not in self.done]
        for s, k in zip(sentences, keys):
            self.done.setdefault(k, s)
        gaps = [s for s in todo if not s.citations and is_refusal(s.text)]
        for s in gaps:
            s.kind, s.reason = "gap", "says what the passages do not state; nothing to check"
        claims = [s for s in todo if s.kind == "claim"]
        if claims and self.settings.answer.check:
            if self.scorer is not None and not self.probed:
                self.probed = True  # (the first claim's prompt is cached: asked again free)
                if self.scorer(self.settings, claim_messages(claims[0], self.passages,
                                                             self.cited_only)) is None:
                    self.scorer = None  # this model gives no log-probabilities: the rules decide
            self._rules(claims, with_score=self.scorer is None)
            self.unasked += claims if self.scorer is not None else []
        elif claims:
            for s in claims:
                s.spans = [Span(n=n, start=self.passages[n - 1].start, end=self.passages[n - 1].end)
                           for n in s.citations]
                s.reason = "not checked"
        out = [self.done[k] for k in keys]
        due = [s for s in self.unasked if any(s is o for o in out)] if ask_model else []
        if due and self.scorer is not None:
            self.checked_by = model_verdicts(due, self.passages, self.settings, self.scorer,
                                             self.cited_only)
            self.unasked = [s for s in self.unasked if not any(s is d for d in due)]
        self.seconds += time.perf_counter() - t
        return out

    def _rules(self, claims: list[Sentence], with_score: bool) -> None:
        """The rules' verdicts; the semantic score's threshold only `with_score` (where the
        model is asked, it judges instead: on labelled data the score's veto lowered
        balanced accuracy, see docs/checker.md). A sentence its citations (or lack of them)
        do not support is moved to another passage only at the score's threshold, model or
        not, unless it has a number or name of its own that the passage holds: below it,
        "some passage without a contrary figure" is no evidence the model read the claim
        there (an uncited sentence is often the model's own knowledge)."""
        if self.evidence is None:
            self.evidence = Evidence(self.passages, self.texts, self.settings.embedder)
        threshold = self.settings.answer.support_threshold
        check_sentences(claims, self.passages, self.texts, threshold if with_score else 0.0,
                        embedder=self.settings.embedder, evidence=self.evidence,
                        recite_threshold=threshold)


def _repeats(sentences: list[Sentence]) -> dict[int, int]:
    """Index of each claim that repeats an earlier sentence word for word -> the earlier one's
    (the small model sometimes writes its one reason twice)."""
    first: dict[str, int] = {}
    out: dict[int, int] = {}
    for i, s in enumerate(sentences):
        words = same_words(s.text)
        if s.kind == "claim" and words in first:
            out[i] = first[words]
        first.setdefault(words, i)
    return out


def _key(s: Sentence) -> tuple[str, tuple[int, ...]]:
    return s.text, tuple(s.citations)


def standalone_question(question: str, history: list[tuple[str, str]], settings: Settings,
                        complete: Complete | None = None) -> str:
    """A follow-up ("and how many were charged?") rewritten with the conversation so that
    retrieval finds the right passage; unchanged when there is no history."""
    if not history:
        return question
    complete = complete or default_complete()
    turns = "\n".join(f"User: {q}\nAssistant: {_as_turn(a)}" for q, a in history[-3:])
    msg = [{"role": "user", "content": prompts.render("rewrite", history=turns,
                                                      question=question.strip())}]
    out = "".join(complete(settings, msg, max_tokens=60)).strip().strip('"').splitlines()
    return out[0].strip() if out and out[0].strip() else question


def _as_turn(answer: str) -> str:
    """An earlier answer as the rewrite reads it: a refusal's searched-for text and closest
    passages would pull the follow-up towards their topic, so a refusal reads as what it is."""
    return "(the articles did not answer this question)" if answer.startswith(REFUSAL) else answer
