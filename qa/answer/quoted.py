"""An answer in the article's own words, where qa would otherwise refuse.

The local model's gate refuses many questions the articles do answer (its P(yes) over all the
evidence at once sits at 0.2-0.45 for them), and its draft can fail its checks where one
sentence of the evidence says the answer plainly. Yet the refusal's closest passages
(qa.answer.refusals) often hold that very sentence: "who scored the goal that knocked inter
miami out of playoff contention" -> "Eventually, Alvaro Barreal's 78th-minute goal ended any
hope ...". So before refusing, each closest sentence holding at least `quote_coverage` of the
question's content words is put to the model alone: does this sentence state the answer? The
first whose P(yes) reaches `quote_threshold` is the answer, quoted char-exact and cited. None
of the model's own words are shown, so there is no claim of its to check; a question asking for
a quantity or a role still needs one in the sentence (qa.answer.asked). Both settings were
fitted on the users suite's tune half (the report half is for figures only).
"""

from __future__ import annotations

from qa import prompts
from qa.answer import asked
from qa.answer.refusals import closest
from qa.check.cite import against
from qa.check.words import content_words, overlap
from qa.config import Settings
from qa.models import Passage, Sentence, Span

__all__ = ["quoted_answer"]


def quoted_answer(question: str, passages: list[Passage], texts: dict[str, str], settings: Settings,
                  scorer, why_refused: str) -> Sentence | None:
    """The closest passage sentence that the model, reading it alone, judges to state the
    answer, as a cited claim; None when none does, or the model gives no probabilities, or
    settings.answer.quote_threshold is unset. `why_refused` goes into the sentence's reason."""
    least = settings.answer.quote_threshold
    if least is None or scorer is None or not content_words(question):
        return None  # a question without content words has no sentence to match
    kind = asked.asked_for(question)
    for c in closest(question, passages, texts):
        if overlap(question, c.quote) < settings.answer.quote_coverage:
            continue
        s = Sentence(text=c.quote.strip(), citations=[c.n], spans=[Span(n=c.n, start=c.start, end=c.end)])
        if asked.missing(kind, [s]):
            continue
        p_yes = scorer(settings, prompts.messages("quote", [], sentence=s.text, question=question.strip()))
        if p_yes is not None and p_yes >= least:
            return s.model_copy(update={"support": p_yes, "reason": (
                f"the article's own sentence, which the model reading it alone judges to state the "
                f"answer ({against('P(yes)', p_yes, least)}); without it qa would refuse: {why_refused}")})
    return None
