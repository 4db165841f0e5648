"""The support verdict: does the evidence state a sentence? The model's P(yes), read from its
log-probabilities (MiniCheck's recipe), decides what the rules let through.

The rules in qa.check.cite catch what can be checked by reading characters: a number not in the
cited passages, a quotation that is not verbatim, a name absent from them, a negation or a
speaker that differs. They cannot read: a name that is in the passages but in another role
("Djokovic won in 2013" over a passage where he lost the 2013 final) passes every one of
them. So each sentence the rules pass is put to the model as a yes/no question, with the
evidence first and laid out exactly as in the answer prompt (system instructions, then the
same numbered passages), so llama.cpp reuses the prompt prefix it read to write the answer
and only reads the claim: about 40 tokens a sentence.

The verdict is P(yes) / (P(yes) + P(no)) of the first reply token, against a threshold
tuned on the tuning half of human-labelled summaries (bench/checker.py), never the one word
the model would sample. A model whose provider returns no log-probabilities is checked by
the rules and the semantic score alone, and the answer says so (`checked_by`).
"""

from __future__ import annotations

from collections.abc import Callable

from qa import prompts
from qa.check.cite import FRAGMENT_WORDS, against, verbatim_in
from qa.models import Passage, Sentence

__all__ = ["RULES", "RULES_AND_MODEL", "Scorer", "copied", "describe", "claim_messages",
           "support_messages", "model_verdicts", "settled_without_model"]

RULES = "rules"
RULES_AND_MODEL = "rules+model"
Scorer = Callable[..., "float | None"]  # (settings, messages) -> P(yes), or None when unknown


# An answer "sentence" this short ("63 officers.", "Liberty.") states no predicate for the model
# to weigh: out of context it reads as no claim at all (P(yes) ~0.5 for true ones), and its
# value is what the rules check (numbers by value, names present): cite.FRAGMENT_WORDS.


def copied(sentence: str, cited: list[str]) -> bool:
    """The sentence, word for word, is in one of the passages it cites (as a quotation must
    be): nothing to judge (the model, distracted by what else the passages hold, gave such
    copies P(yes) ~0.5)."""
    return any(verbatim_in(sentence, text) for text in cited)


def support_messages(passages: list[Passage], claim: str) -> list[dict]:
    """The yes/no prompt for one claim: the passages first (the answer prompt's prefix)."""
    return prompts.messages("support", passages, claim=claim.strip())


def claim_messages(claim: Sentence, passages: list[Passage], cited_only: bool) -> list[dict]:
    """The yes/no prompt a claim is put to the model with: over all the passages (an answer's:
    the prompt that wrote it, cached), or (`cited_only`) over the text alone of those it cites,
    numbered from 1, as bench/checker.py tuned the check (a summary sentence's: the passage it
    shortened, laid out as the prompt that shortened it, so only the claim is read)."""
    if cited_only and claim.citations:
        passages = [prompts.text_only(passages[n - 1]) for n in claim.citations]
    return support_messages(passages, claim.text)


def settled_without_model(s: Sentence, passages: list[Passage]) -> str | None:
    """Why the rules' verdict on s is final and the model is not asked ("" when the rules
    vetoed it or it is no claim); None when the model must weigh it."""
    if s.kind != "claim" or not s.supported:
        return ""  # a rule's veto stands
    if len(s.text.split()) <= FRAGMENT_WORDS:
        return "a fragment: its value checked by the rules, the model not asked"
    if copied(s.text, [passages[n - 1].text for n in s.citations]):
        return "copied word for word from what it cites, the model not asked"
    return None


def model_verdicts(sentences: list[Sentence], passages: list[Passage], settings,
                   scorer: Scorer, cited_only: bool = False) -> str:
    """Give each claim the rules passed its P(yes) and, below the threshold, an unsupported
    verdict with the reason; return how the sentences were checked: RULES_AND_MODEL, or RULES
    when the model gives no probability (then nothing is changed). `cited_only`: see
    `claim_messages`."""
    threshold = settings.answer.support_p_threshold
    for s in sentences:
        settled = settled_without_model(s, passages)
        if settled is not None:
            s.reason += f"; {settled}" if settled else ""
            continue
        p_yes = scorer(settings, claim_messages(s, passages, cited_only))
        if p_yes is None:
            return RULES
        s.support = round(p_yes, 3)
        if p_yes < threshold:
            s.supported = False
            doubt = against("P(yes)", p_yes, threshold)
            s.reason = f"the model doubts the passages state it: {doubt} ({s.reason})"
        else:
            s.reason = f"{s.reason}; P(yes) {p_yes:.2f}"
    return RULES_AND_MODEL


def describe(checked_by: str) -> str:
    """What a user is told about how the shown sentences were checked."""
    return {RULES_AND_MODEL: "checked by the rules and the model's P(yes) per sentence",
            RULES: "checked by the rules alone (this model gives no log-probabilities)",
            }.get(checked_by, "not checked")
