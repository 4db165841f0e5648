"""Refusals that help: what was searched, and the closest passages for the reader to judge.

"The articles don't say." alone leaves the reader guessing whether qa looked in the right
place. So a refusal says how many articles were searched, for what (the question as searched,
a follow-up rewritten), within which outlet and dates, and lists the passages that came
closest: each article's best sentence for the question (title, outlet, date and the sentence
itself, char-exact), at most `CLOSEST` of them, best first. They are not citations: nothing
claims they answer the question, they are where the reader can look.
"""

from __future__ import annotations

from qa.check.words import content_words
from qa.index.chunking import split_sentences
from qa.index.filters import Filters
from qa.models import Answer, Citation, Passage, Sentence

__all__ = ["CLOSEST", "GATE_REFUSED", "REFUSAL", "closest", "refusal", "searched"]

REFUSAL = "The articles don't say."
GATE_REFUSED = "the passages do not answer it"  # how a refusal's reason starts when the gate refused
CLOSEST = 3  # passages listed under a refusal


def searched(question: str, n_articles: int, filters: Filters | None = None) -> str:
    """What was searched, for the reader: '327 articles, for “…”, from The Verge, since …'."""
    where = [f"{n_articles} article{'s' if n_articles != 1 else ''}", f"for “{question.strip()}”"]
    f = filters or Filters()
    if f.source:
        where.append(f"from {f.source}")
    if f.category:
        where.append(f"in {f.category}")
    if f.since:
        where.append(f"since {f.since}")
    if f.until:
        where.append(f"until {f.until}")
    return ", ".join(where)


def closest(question: str, passages: list[Passage], texts: dict[str, str],
            k: int = CLOSEST) -> list[Citation]:
    """Each of the best `k` articles' sentence nearest the question (most of its content words,
    then the passage's retrieval score), best first, one per article."""
    asked = content_words(question)
    best: dict[str, tuple[tuple[float, float], Citation]] = {}
    for n, p in enumerate(passages, 1):
        text = texts.get(p.article_id)
        if text is None or text[p.start:p.end] != p.text:
            continue
        for start, end in split_sentences(text, p.start, p.end) or [(p.start, p.end)]:
            quote = text[start:end]
            rank = (len(asked & content_words(quote)), p.score)
            if p.article_id not in best or rank > best[p.article_id][0]:
                best[p.article_id] = (rank, Citation(
                    n=n, chunk_id=p.chunk_id, article_id=p.article_id, title=p.title,
                    source=p.source, published_at=p.published_at, start=start, end=end, quote=quote))
    ranked = sorted(best.values(), key=lambda rc: rc[0], reverse=True)
    return [c for _, c in ranked[:k]]


def refusal(question: str, reason: str, passages: list[Passage], *, texts: dict[str, str] | None = None,
            n_articles: int = 0, filters: Filters | None = None,
            rejected: list[Sentence] | None = None, **extra) -> Answer:
    """The refusal: REFUSAL with what was searched and the closest passages; the draft's
    rejected sentences follow the refusal sentence, each with why it failed."""
    near = closest(question, passages, texts or {})
    looked = searched(question, n_articles, filters)
    text = f"{REFUSAL} Searched {looked}."
    return Answer(question=question, text=text, refused=True, passages=passages, searched=looked,
                  closest=near,
                  sentences=[Sentence(text=REFUSAL, supported=True, reason=reason), *(rejected or [])],
                  **extra)
