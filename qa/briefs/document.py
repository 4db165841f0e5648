"""One shape for everything that can be exported: a title, blocks of text carrying [n]
marks, and the references those marks point to (title, outlet, date, URL, the quoted
sentence). Built here from an answer, a summary, a timeline or a watch's runs; written out by
qa/briefs/export.py."""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import BaseModel, Field

from qa.models import Answer, Citation

__all__ = ["Block", "Document", "Reference", "from_answer", "from_summary", "from_timeline"]

_MARK = re.compile(r"\[(\d+)\]")


class Reference(BaseModel):
    n: int = Field(description="The number the text's [n] marks use.")
    title: str
    outlet: str = ""
    date: str = ""
    url: str = ""
    quote: str = Field(description="The cited sentence, word for word from the article.")


class Block(BaseModel):
    heading: str = Field("", description="A heading above the text, if any.")
    text: str = Field("", description="Prose with [n] marks.")
    items: list[str] = Field(default_factory=list, description="A bulleted list, marks allowed.")


class Document(BaseModel):
    title: str
    note: str = Field("", description="A line under the title: what this is and when it was made.")
    blocks: list[Block] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)


UrlOf = Callable[[str], str]  # article id -> its URL ('' when it has none)


def references(citations: list[Citation], url_of: UrlOf, offset: int = 0) -> list[Reference]:
    """The citations as references, numbered from offset + their own n."""
    return [Reference(n=c.n + offset, title=c.title, outlet=c.source, date=c.published_at[:10],
                      url=url_of(c.article_id), quote=c.quote) for c in citations]


def renumber(text: str, offset: int) -> str:
    """text with every [n] mark moved up by offset (runs of a watch share one reference list)."""
    return _MARK.sub(lambda m: f"[{int(m.group(1)) + offset}]", text) if offset else text


def from_answer(answer: Answer, url_of: UrlOf, note: str = "") -> Document:
    """A checked answer; for a refusal, what was searched and the closest passages (listed as
    where to look, not as support)."""
    blocks = [Block(text=answer.text)]
    cited = answer.citations
    if answer.refused and answer.closest:
        blocks.append(Block(heading="Closest passages (they do not answer it)",
                            items=[f"{c.quote} [{c.n}]" for c in answer.closest]))
        cited = answer.closest
    return Document(title=answer.question, note=note, blocks=blocks, references=references(cited, url_of))


def from_summary(summary, url_of: UrlOf, note: str = "") -> Document:
    """A cited summary (qa/news/summarize.py) and its key figures and quotes."""
    blocks = [Block(text=summary.text)]
    facts = [f"{f.text}" + (f" ({f.speaker})" if f.speaker else "") for f in summary.key_facts]
    if facts:
        blocks.append(Block(heading="Key figures and quotes", items=facts))
    return Document(title=summary.subject, note=note, blocks=blocks,
                    references=references(summary.citations, url_of))


def from_timeline(timeline, url_of: UrlOf, note: str = "") -> Document:
    """A timeline (qa/news/timeline.py): each event with its date, cited; then the figures
    the articles disagree on."""
    items: list[str] = []
    refs: list[Reference] = []

    def cite(citation: Citation) -> int:
        refs.extend(references([citation.model_copy(update={"n": len(refs) + 1})], url_of))
        return len(refs)

    for event in timeline.events:
        items.append(f"{event.date}: {event.text} [{cite(event.citation)}]")
    blocks = [Block(heading="Events", items=items)]
    if timeline.conflicts:
        blocks.append(Block(heading="Figures that disagree", items=[
            f"{c.quantity}: " + "; ".join(f"{cl.figure} [{cite(cl.citation)}]" for cl in c.claims)
            for c in timeline.conflicts]))
    return Document(title=f"Timeline: {timeline.topic}", note=note, blocks=blocks, references=refs)


def from_runs(question: str, runs: list, url_of: UrlOf, note: str = "") -> Document:
    """A watch's history (qa/briefs/watches.py runs, newest first): each run's answer and what
    it changed; one reference list, each run's marks moved past the runs before it."""
    from datetime import UTC, datetime

    blocks: list[Block] = []
    refs: list[Reference] = []
    for run in runs:
        offset = len(refs)
        when = datetime.fromtimestamp(run.at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        changed = [f"New: {renumber(s, offset)}" for s in run.changes.new_sentences]
        changed += [f"No longer said: {_MARK.sub('', s).replace(' .', '.')}"
                    for s in run.changes.gone_sentences]  # its marks were the run before's
        blocks.append(Block(heading=f"Run {run.n}, {when} ({run.why}): {run.changes.summary()}",
                            text=renumber(run.answer.text, offset), items=changed))
        refs += references(run.answer.citations, url_of, offset)
    return Document(title=f"Watch: {question}", note=note, blocks=blocks, references=refs)
