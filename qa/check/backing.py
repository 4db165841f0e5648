"""No claim without a citation: a yes/no verdict is shown only beside a sentence that backs it.

A verdict ("Yes.", "No.", "Before.") is a claim like any other, yet it is decided by the
model's P(yes) over the evidence (qa.answer.verdict), not written with a citation. So it is shown
only when at least one sentence of the answer that gives its reasons has passed its check
and cites a passage: then the reader can check the verdict against that sentence. While the
answer streams, the verdict waits for that sentence and is handed out just before it (the
verdict still reads first); with no such sentence it is never shown, and the answer is a
refusal saying so (qa.answer.refusals), not a bare word.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from qa.models import Sentence

__all__ = ["Held", "backing", "backs", "unbacked"]


# A "sentence" that is only a verdict word gives no reason: "Yes [1] [2]." backs nothing.
_VERDICT_ONLY = re.compile(r"^\W*(yes|no|true|false|before|after)\W*$", re.IGNORECASE)


def backs(s: Sentence) -> bool:
    """Can the sentence back a verdict: a shown claim that passed its check, cites a passage
    and says more than a verdict word."""
    return (s.kind == "claim" and s.supported and s.shown and bool(s.citations)
            and not _VERDICT_ONLY.match(s.text))


def backing(sentences: list[Sentence]) -> list[Sentence]:
    """The sentences that back a verdict or a direct answer, in order."""
    return [s for s in sentences if backs(s)]


def unbacked(verdict: Sentence | None) -> str:
    """What a refusal adds when a verdict was decided but nothing backs it."""
    if verdict is None:
        return ""
    return (f"; the verdict '{verdict.text.rstrip('.')}' ({verdict.reason}) is not shown without a "
            "checked, cited sentence giving its reasons")


class Held:
    """A verdict held back from `on_sentence` until the first sentence that backs it."""

    def __init__(self, verdict: Sentence | None, on_sentence: Callable[[Sentence], None] | None):
        self.verdict, self.on_sentence = verdict, on_sentence
        self.released = False

    def emit(self, s: Sentence) -> None:
        if self.on_sentence is None:
            return
        if self.verdict is not None and not self.released and backs(s):
            self.released = True
            self.on_sentence(self.verdict)
        self.on_sentence(s)
