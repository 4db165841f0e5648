"""The model's draft, checked sentence by sentence as it is written (answers and summaries):
nobody sees a sentence before it has passed its check (qa.check)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from itertools import takewhile

from qa import telemetry
from qa.answer.asked import ECHO, echoes
from qa.answer.direct import same_words
from qa.check.cite import Evidence, check_sentences
from qa.check.markers import is_refusal, split_answer
from qa.check.support import RULES, claim_messages, model_verdicts, settled_without_model
from qa.config import Settings
from qa.index.store import Store
from qa.models import Passage, Sentence, Span

Complete = Callable[..., Iterator[str]]
__all__ = ["Complete", "DraftChecker", "default_complete"]
_SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*\s+\S")  # a sentence ended and another began


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

    With the model's verdict on (qa.check.support), the sentences the rules pass are put to the
    model too; the local model cannot be asked while it is still writing, so then the
    sentences the model must weigh are checked once the draft is done, and each is handed out
    as soon as its own check (and those of the sentences before it) is done. A sentence whose
    rules' verdict is final (qa.check.support.settled_without_model: vetoed, a fragment, or copied
    word for word) is handed out as it is written, once the model is known to give
    probabilities (`scores_known`: the gate read them), like those before it.
    `checked_by` tells how they were checked. A claim only repeating the `question`'s words is
    no answer to it, however true (qa.answer.asked.echoes).
    `cited_only`: each claim is put to the model with the passages it cites alone (see
    qa.check.support.claim_messages); `finish` may then be called after each sentence is written."""

    def __init__(self, passages: list[Passage], store: Store, settings: Settings,
                 complete: Complete, on_sentence: Callable[[Sentence], None] | None = None,
                 cited_only: bool = False, scores_known: bool = False, question: str = ""):
        self.passages, self.settings, self.cited_only = passages, settings, cited_only
        self.question = question  # a claim only repeating it is no answer (qa.answer.asked.echoes)
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
        """The sentences checked (each once), in a `qa.check` span saying what each got;
        `ask_model=False`: by the rules only, the model asked about them at a later call."""
        with telemetry.span("check", model_asked=ask_model) as sp:
            out = self._check_now(sentences, ask_model)
            telemetry.note(sp, sentences=[s.text for s in out], supported=[s.supported for s in out],
                           reasons=[s.reason for s in out])
        return out

    def _check_now(self, sentences: list[Sentence], ask_model: bool) -> list[Sentence]:
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
            for s in claims:
                if s.supported and echoes(self.question, s.text):
                    s.supported, s.reason = False, ECHO
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
