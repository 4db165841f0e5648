"""What changed between two runs of a saved question: the cited sentences that are new or
gone, the figures that appeared or went, the outlets cited for the first time, and whether
the direct answer itself moved. Compared on what the reader was shown, nothing else."""

from __future__ import annotations

from pydantic import BaseModel, Field

from qa.check.markers import render_sentences
from qa.models import Answer
from qa.numbers import find_numbers

__all__ = ["Changes", "changes"]


class Changes(BaseModel):
    first: bool = Field(False, description="The first run: nothing to compare with.")
    answer_before: str = Field("", description="The direct answer before, when it moved.")
    answer_after: str = Field("", description="The direct answer now, when it moved.")
    new_sentences: list[str] = Field(default_factory=list, description="Shown sentences (with "
                                     "their [n] marks, as this run numbers them) not shown before.")
    gone_sentences: list[str] = Field(default_factory=list, description="Sentences shown before, "
                                      "not now (with the previous run's marks).")
    new_figures: list[str] = Field(default_factory=list, description="Figures now shown, as "
                                   "written, whose values were not shown before.")
    gone_figures: list[str] = Field(default_factory=list)
    new_outlets: list[str] = Field(default_factory=list, description="Outlets cited now, not before.")

    @property
    def changed(self) -> bool:
        return self.first or any((self.answer_after != self.answer_before, self.new_sentences,
                                  self.gone_sentences, self.new_figures, self.gone_figures,
                                  self.new_outlets))

    def figures(self) -> str:
        """The figures that came and went: '+1,400, -1,000' ('' when none moved)."""
        return ", ".join([*(f"+{f}" for f in self.new_figures), *(f"-{f}" for f in self.gone_figures)])

    def summary(self) -> str:
        """One line saying what changed."""
        if self.first:
            return "first answer"
        parts = []
        if self.answer_after != self.answer_before:
            parts.append(f"answer {self.answer_before or '(none)'!r} -> {self.answer_after or '(none)'!r}")
        if self.figures():
            parts.append(f"figures {self.figures()}")
        if self.new_outlets:
            parts.append("new outlets: " + ", ".join(self.new_outlets))
        if self.new_sentences or self.gone_sentences:
            parts.append(f"{len(self.new_sentences)} new, {len(self.gone_sentences)} gone sentences")
        return "; ".join(parts) or "no change"


def _shown(answer: Answer) -> dict[str, str]:
    """The shown cited sentences: their plain text (for comparing) -> as rendered with marks."""
    return {" ".join(s.text.split()).rstrip("."): render_sentences([s]) for s in answer.sentences
            if s.shown and s.kind == "claim" and not answer.refused}


def _figures(answer: Answer) -> dict[float, str]:
    return {value: written for text in _shown(answer) for written, value in find_numbers(text)}


def changes(before: Answer | None, after: Answer) -> Changes:
    """What the reader sees differently in `after` than in `before` (None: the first run)."""
    if before is None:
        return Changes(first=True)
    old, new = _shown(before), _shown(after)
    old_figs, new_figs = _figures(before), _figures(after)
    old_outlets = {c.source for c in before.citations if c.source}
    # the direct answer moved: refused one run and not the other, or two direct answers that
    # differ (a run whose answer came without a direct line has not "lost" it)
    moved = before.refused != after.refused or bool(before.answer and after.answer
                                                    and before.answer != after.answer)
    return Changes(
        answer_before=(before.answer or ("refused" if before.refused else "")) if moved else "",
        answer_after=(after.answer or ("refused" if after.refused else "")) if moved else "",
        new_sentences=[v for k, v in new.items() if k not in old],
        gone_sentences=[v for k, v in old.items() if k not in new],
        new_figures=[w for v, w in new_figs.items() if v not in old_figs],
        gone_figures=[w for v, w in old_figs.items() if v not in new_figs],
        new_outlets=sorted({c.source for c in after.citations if c.source} - old_outlets))
