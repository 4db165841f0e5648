"""Cited summaries of one article or of a topic across articles.

An article's summary: the sentences that carry the news are chosen first (`choose`: the lead,
then what says something new), the model shortens each to one sentence in its own call, cited
to the sentence it shortened, and every sentence is checked like an answer's, right after it
is written and against the passage it shortened alone (its prompt is still cached). A topic's
summary is written in one call over the chosen passages of its articles (in parts and merged
when they are over the token budget). Key facts (figures and quotations with their speakers)
are taken from the article text itself, so they are exact by construction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pydantic import BaseModel, Field

from qa import prompts
from qa.answer import evidence
from qa.answer.draft import DraftChecker, default_complete
from qa.check.cite import citations_of
from qa.check.markers import ENDED, finished, parse_markers, render_sentences
from qa.config import Settings, SummarySettings
from qa.errors import NotFound
from qa.index.retrieve import Filters, search
from qa.index.store import Store
from qa.models import Citation, Passage, Sentence
from qa.news.keyfacts import KeyFact, extract, stated
from qa.news.picking import drop_repeats, newsworthy, pick

Complete = Callable[..., Iterator[str]]


class Summary(BaseModel):
    subject: str = Field(description="The article's title, or the topic query.")
    text: str
    refused: bool = False
    sentences: list[Sentence] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    key_facts: list[KeyFact] = Field(default_factory=list)
    article_ids: list[str] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)
    draft: str = ""
    parts: int = Field(1, description="Model calls that wrote the draft: one a chosen sentence "
                       "shortened, or the map step's parts (1 = one call).")
    model: str = ""
    checked_by: str = Field("", description="How the sentences were checked (as in an answer).")
    timings: dict[str, float] = Field(default_factory=dict)
    usage: dict[str, int] = Field(default_factory=dict)

    def facts_stated(self) -> int:
        """How many of the key facts the shown summary states (each marked `in_summary`)."""
        return sum(bool(f.in_summary) for f in self.key_facts)


def resolve_article(store: Store, ref: str, paths: bool = True) -> str:
    """An article id from an id, a title prefix, or (when `paths`: the CLI, not the API, whose
    clients must not probe the server's files) the path of a stored file."""
    path = Path(ref)
    if paths and path.is_file():
        from qa.ingest.files import load_file
        from qa.models import Article

        found = [a for a in load_file(path) if isinstance(a, Article)]
        if found and store.article(found[0].id):
            return found[0].id
        raise NotFound(f"{ref} is not stored (or changed since): run `qa ingest {ref}` first")
    rows = store.find_articles(ref)
    if not rows:
        raise NotFound(f"no stored article has the id or title prefix {ref!r}; `qa list` shows them")
    if len(rows) > 1:
        raise NotFound(f"{ref!r} matches {len(rows)} articles ("
                       + "; ".join(r["title"][:50] for r in rows[:5]) + "): give more of the title or the id")
    return rows[0]["id"]


def summarize_article(ref: str, settings: Settings, store: Store, *, complete: Complete | None = None,
                      progress: Callable[[str], None] | None = None, paths: bool = True) -> Summary:
    article_id = resolve_article(store, ref, paths)
    article = store.article(article_id)
    if article is None:
        raise NotFound(f"no article with id {article_id!r}")
    passages = store.article_passages(article_id)
    settings = sized(settings, len(article.text.split()))
    if settings.summary.select:
        passages = choose(article.title, passages, store, settings, lead=True)
    summary = _summarize(passages, "summary", {}, settings, store, complete, progress)
    return summary.model_copy(update={"subject": article.title, "article_ids": [article_id],
                                      "key_facts": marked(extract(article_id, article.text), summary)})


def summarize_query(query: str, settings: Settings, store: Store, *, filters: Filters | None = None,
                    complete: Complete | None = None,
                    progress: Callable[[str], None] | None = None) -> Summary:
    passages = search(store, query, settings.retrieval, k=settings.summary.query_k, filters=filters)
    passages = [p for p in passages if p.similarity >= settings.retrieval.min_similarity]
    passages.sort(key=lambda p: (p.published_at, p.article_id, p.start))  # date order
    ids = list(dict.fromkeys(p.article_id for p in passages))
    if not passages:
        return Summary(subject=query, text="No stored article is about this topic.", refused=True,
                       model=settings.model)
    settings = sized(settings, sum(len(store.text(a).split()) for a in ids))
    if settings.summary.select:
        passages = choose(query, passages, store, settings, lead=False)
    summary = _summarize(passages, "summary_query", {"query": query}, settings, store, complete,
                         progress)
    facts = [f for a in ids for f in extract(a, store.text(a))
             if any(p.article_id == f.article_id and p.start <= f.start < p.end for p in passages)]
    return summary.model_copy(update={"subject": query, "article_ids": ids,
                                      "key_facts": marked(facts, summary)})


def marked(facts: list[KeyFact], summary: Summary) -> list[KeyFact]:
    """The key facts, each marked with whether the summary's shown text states it (its
    citation markers left out: "[2]" does not state "two days")."""
    text = "" if summary.refused else parse_markers(summary.text, len(summary.passages))[0]
    return [f.model_copy(update={"in_summary": stated(f, text)}) for f in facts]


WORDS_PER_SENTENCE = 16  # a short news sentence, for the number of sentences of a sized summary
MIN_SENTENCES = 3  # the news, a consequence, a reaction: the least a sized summary has
REDUNDANCY = 0.5  # score a sentence loses per unit of cosine to the closest one already chosen


def sized(settings: Settings, words: int) -> Settings:
    """Settings whose summary has `share` of the articles' words, in sentences of about
    WORDS_PER_SENTENCE words (at least MIN_SENTENCES, at most `max_sentences`); unchanged when
    `share` is unset."""
    cfg = settings.summary
    if cfg.share is None:
        return settings
    n = min(cfg.max_sentences, max(MIN_SENTENCES, round(cfg.share * words / WORDS_PER_SENTENCE)))
    return settings.model_copy(update={"summary": cfg.model_copy(update={"max_sentences": n})})


def choose(subject: str, passages: list[Passage], store: Store, settings: Settings, *,
           lead: bool) -> list[Passage]:
    """The sentences that carry the news: the answer pipeline's evidence scores with the
    subject (title or topic) as the question, figures and quotes preferred (`newsworthy`);
    the article's lead first when `lead`; then the best-scoring sentence less REDUNDANCY x its
    cosine to the closest chosen one (a sentence that says something new beats a second
    telling of the lead), with the sentence it refers back to; until `evidence_tokens` are spent
    and, for one article (`lead`), one passage for each sentence the summary will have. A
    topic's passages fill the budget, the new first, so that what several articles report
    alike is there to be cited to all of them."""
    texts = {a: store.text(a) for a in {p.article_id for p in passages}}
    scored = evidence.score(subject, passages, texts, settings.embedder, prefer=newsworthy)
    if not scored.cands:
        return passages
    cfg = settings.summary
    chosen: set[int] = set()
    out: list[Passage] = []  # the chosen sentences as passages
    queue = [0] if lead else []  # the first sentence of the first passage: the article's lead
    most = cfg.max_sentences if lead else len(scored.cands)
    while len(out) < most:
        rest = [i for i in range(len(scored.cands)) if i not in chosen]
        if not rest:
            break
        i = queue.pop() if queue else max(rest, key=lambda i: scored.scores[i] - REDUNDANCY * max(
            (float(scored.vecs[i] @ scored.vecs[j]) for j in chosen), default=0.0))
        grown = chosen | evidence.with_context(i, scored, texts, connectives=False)
        grown_out = evidence.as_passages(grown, scored, texts)
        if chosen and sum(map(prompts.passage_tokens, grown_out)) > cfg.evidence_tokens:
            break
        chosen, out = grown, grown_out
    return out


def _groups(passages: list[Passage], budget_tokens: int) -> list[list[int]]:
    """Passage numbers (1-based) packed into groups under the token budget."""
    groups: list[list[int]] = [[]]
    used = 0
    for n, p in enumerate(passages, 1):
        cost = prompts.passage_tokens(p)
        if groups[-1] and used + cost > budget_tokens:
            groups.append([])
            used = 0
        groups[-1].append(n)
        used += cost
    return groups


def _summarize(passages: list[Passage], template: str, values: dict[str, str], settings: Settings,
               store: Store, complete: Complete | None, progress) -> Summary:
    complete = complete or default_complete()
    cfg = settings.summary
    usage: dict[str, int] = {}
    t = time.perf_counter()
    if template == "summary" and cfg.select:  # an article's chosen sentences, each shortened
        # and checked in turn, while the passage it shortened is llama.cpp's cached prompt
        checker = DraftChecker(passages, store, settings, complete, cited_only=True)
        draft, parts = "", len(passages)
        for sentence in shorten(passages, settings, complete, usage, progress):
            draft = f"{draft} {sentence}".strip()
            checker.finish(draft)
    else:
        draft, parts = _write(passages, template, values, settings, complete, usage, progress)
        checker = DraftChecker(passages, store, settings, complete)
    # a draft stopped at its token limit loses its unfinished end (the model's draft is kept)
    sentences, kept, texts, _ = checker.finish(finished(draft))
    timings = {"generate": time.perf_counter() - t - checker.seconds, "check": checker.seconds}
    kept = pick(drop_repeats(kept), cfg.max_sentences, cfg.max_words)
    return Summary(subject="", text=render_sentences(kept),
                   refused=not any(s.supported for s in sentences if s.kind == "claim"),
                   sentences=sentences,
                   citations=citations_of(kept, passages, texts), passages=passages, draft=draft,
                   parts=parts, model=settings.model, checked_by=checker.checked_by, timings=timings,
                   usage=usage)


def shorten_messages(passage: Passage, words: int) -> list[dict]:
    """The prompt that shortens one chosen passage to one sentence: the passage's text first
    (with the title beside it, the small model wrote the title back instead), laid out as the
    support check then reads it (qa.check.support.claim_messages), so that checking the sentence reads
    only the claim."""
    return prompts.messages("summary_sentence", [prompts.text_only(passage)], words=str(words))


def shorten(passages: list[Passage], settings: Settings, complete: Complete, usage: dict,
            progress) -> Iterator[str]:
    """The draft's sentences: each chosen passage shortened to one sentence by its own model
    call, cited to it by construction ([k] is the passage shortened). A sentence the model
    leaves unfinished (no stop at its end: the token limit cut it) is left out."""
    words = settings.summary.sentence_words
    for k, p in enumerate(passages, 1):
        if progress:
            progress(f"shortening sentence {k} of {len(passages)}")
        raw = "".join(complete(settings, shorten_messages(p, words), max_tokens=3 * words,
                               usage=usage)).strip().splitlines()
        sentence = parse_markers(raw[0], len(passages))[0] if raw else ""
        if ENDED.search(sentence):  # else the token limit stopped it mid-way
            yield f"{sentence} [{k}]"


def _write(passages: list[Passage], template: str, values: dict[str, str], settings: Settings,
           complete: Complete, usage: dict, progress) -> tuple[str, int]:
    """The draft written in one call over the passages, or (when they are over the token
    budget) in parts and merged; and the number of parts."""
    cfg = settings.summary
    bounds = {"n_max": str(cfg.max_sentences), "words": str(cfg.max_words)}
    groups = _groups(passages, cfg.token_budget)
    if len(groups) == 1:
        return _call(complete, settings, template, passages, list(range(1, len(passages) + 1)),
                     {**values, **bounds}, usage, progress, "writing the summary"), 1
    parts = []
    for i, group in enumerate(groups, 1):
        parts.append(_call(complete, settings, template, passages, group,
                           {**values, **bounds, "n_max": "3"}, usage, progress,
                           f"summarising part {i} of {len(groups)}"))
    about = f" about: {values['query']}" if "query" in values else ""
    msg = [{"role": "system", "content": prompts.load("system")},
           {"role": "user", "content": prompts.render(
               "summary_merge", parts="\n\n".join(parts), about=about, **bounds)}]
    if progress:
        progress("merging the parts")
    return "".join(complete(settings, msg, max_tokens=draft_tokens(cfg), usage=usage)).strip(), len(groups)


def draft_tokens(cfg: SummarySettings) -> int:
    """Tokens the model may write: twice the word budget (room for a sentence or two more
    than are shown, should one fail its check), at most `max_tokens`. Drafting more only
    costs time: the sentences past the budget are hidden anyway."""
    return min(cfg.max_tokens, 2 * cfg.max_words)


def _call(complete, settings, template, passages, numbers, values, usage, progress, what) -> str:
    """One model call over the passages with the given (global) numbers."""
    if progress:
        progress(what)
    msg = prompts.messages(template, passages, numbers, **values)
    return "".join(complete(settings, msg, max_tokens=draft_tokens(settings.summary),
                            usage=usage)).strip()
