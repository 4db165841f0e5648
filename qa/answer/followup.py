"""Follow-up questions: "and how many were charged?" rewritten, with the conversation, into a
question that retrieval can answer on its own."""

from __future__ import annotations

from qa import prompts
from qa.answer.draft import Complete, default_complete
from qa.answer.refusals import REFUSAL
from qa.config import Settings

__all__ = ["standalone_question"]


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
