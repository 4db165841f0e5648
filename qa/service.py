"""The one place the CLI, the browser app and the HTTP API call: ask, summarise, search,
add and delete articles, health. The front ends parse their requests into the models
below, call a `Service` and render what it returns; they hold no logic of their own.

A `Service` owns the settings, the store and one lock: the model answers one call at a
time, whichever front end asks (a local model on 2 cores gains nothing from two at once).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from qa.config import EMBED_MODELS, Settings
from qa.errors import NotFound, QAError
from qa.filters import Filters
from qa.models import Answer, IngestReport, Passage, Sentence

if TYPE_CHECKING:
    from qa.store import Store
    from qa.stories import Story
    from qa.summarize import Summary
    from qa.timeline import Timeline

log = logging.getLogger(__name__)

__all__ = ["AskEvent", "AskRequest", "ArticleRow", "Health", "SearchRequest", "SearchResult",
           "Service", "StoriesRequest", "SummarizeRequest", "TimelineRequest", "Turn"]


class Turn(BaseModel):
    """An earlier exchange of the conversation, for follow-up questions."""

    question: str
    answer: str


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=4000, description="The question.")
    history: list[Turn] = Field(default_factory=list, description="Earlier turns, oldest first: a "
                                "follow-up ('and how many were charged?') is rewritten with them.")
    filters: Filters = Field(default_factory=Filters, description="Outlet, category and dates.")
    policy: Literal["remove", "flag"] | None = Field(
        None, description="Unsupported sentences removed, or kept and flagged (default: settings).")


class SummarizeRequest(BaseModel):
    article: str | None = Field(None, description="Article id or title prefix.")
    query: str | None = Field(None, description="A topic to summarise across articles instead.")
    filters: Filters = Field(default_factory=Filters, description="For a topic: outlet, dates.")
    sentences: int | None = Field(
        None, ge=1, le=30, description="How many sentences (default: a share of the article's "
        "words, QA_SUMMARY__SHARE, 3 to QA_SUMMARY__MAX_SENTENCES).")
    policy: Literal["remove", "flag"] | None = None


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=4000)
    k: int = Field(10, ge=1, le=100, description="Results to return.")
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    filters: Filters = Field(default_factory=Filters)


class StoriesRequest(BaseModel):
    filters: Filters = Field(default_factory=Filters, description="Published since / until "
                             "(outlet and category: only that outlet's or category's articles).")


class TimelineRequest(BaseModel):
    topic: str = Field(min_length=1, max_length=4000, description="What the timeline is about.")
    filters: Filters = Field(default_factory=Filters, description="Outlet, category and dates.")


class SearchResult(BaseModel):
    query: str
    results: list[Passage]


class ArticleRow(BaseModel):
    """A stored article without its text (and without where on the server it came from)."""

    id: str
    title: str
    source: str = ""
    author: str = ""
    category: str = ""
    published_at: str = ""
    url: str = ""
    chars: int = 0
    chunks: int = 0
    copy_group: str | None = Field(None, description="Its copy group (the id of the first copy "
                                   "stored; qa/copies.py); the same for every copy of one text.")


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    model: str
    embedder: str
    articles: int
    chunks: int


class AskEvent(BaseModel):
    """One step of a streamed answer: progress, a checked sentence, then the answer."""

    event: Literal["progress", "sentence", "answer", "error"]
    message: str = ""
    sentence: Sentence | None = None
    answer: Answer | None = None


@dataclass
class Service:
    settings: Settings
    store: Store
    complete: Callable | None = None  # the model function; None = qa.llm.complete
    lock: threading.Lock = field(default_factory=threading.Lock)
    _feeds: object = field(default=None, repr=False)

    @classmethod
    def open(cls, settings: Settings, seed: bool = True, notify: Callable[[str], None] | None = None,
             complete: Callable | None = None) -> Service:
        """The service over settings' store, with the seed articles when the store is empty."""
        from qa.ingest import open_store

        return cls(settings, open_store(settings, seed=seed, notify=notify), complete)

    def warm(self) -> threading.Thread:
        """Load the model, its client library and the embedder in the background (the app
        calls it at start): otherwise the first question waits ~5 s more for them."""
        def work() -> None:
            from qa.embed import get_model
            from qa.llm import warm

            try:
                get_model(self.settings.embedder)
                if self.complete is None:  # the default model function: qa.llm.complete
                    warm(self.settings)
            except Exception as e:  # the first question reports it, with its fix
                log.warning("warming the model failed: %s", e)

        thread = threading.Thread(target=work, name="qa-warm", daemon=True)
        thread.start()
        return thread

    def _with_policy(self, policy: str | None, sentences: int | None = None) -> Settings:
        if not policy and not sentences:
            return self.settings
        s = self.settings.model_copy(deep=True)
        if policy:
            s.answer.policy = policy  # type: ignore[assignment]
        if sentences:  # the word budget scales with the sentences asked for
            base = self.settings.summary
            s.summary.max_sentences = sentences
            s.summary.share = None  # the length asked for, not the article's share
            s.summary.max_words = max(10, round(base.max_words * sentences / base.max_sentences))
        return s

    def ask(self, req: AskRequest, on_sentence: Callable[[Sentence], None] | None = None,
            on_progress: Callable[[str], None] | None = None) -> Answer:
        """The checked answer; each sentence goes to on_sentence once it has passed its check."""
        from qa.answer import ask, standalone_question

        settings = self._with_policy(req.policy)
        history = [(t.question, t.answer) for t in req.history]
        with self.lock:
            if on_progress:
                on_progress("reading the conversation" if history else "searching the articles")
            question = standalone_question(req.question, history, settings, self.complete)
            ans = ask(question, settings, self.store, complete=self.complete,
                      filters=req.filters, on_sentence=on_sentence, on_progress=on_progress)
        ans.searched_for = question if question != req.question else ""
        return ans

    def stream_ask(self, req: AskRequest) -> Iterator[AskEvent]:
        """ask() as events, in order: progress..., sentence..., then answer (or error). The
        answer is worked out in a thread; the events are yielded as they happen."""
        events: queue.Queue[AskEvent | None] = queue.Queue()

        def work() -> None:
            try:
                ans = self.ask(req, on_sentence=lambda s: events.put(AskEvent(event="sentence", sentence=s)),
                               on_progress=lambda m: events.put(AskEvent(event="progress", message=m)))
                events.put(AskEvent(event="answer", answer=ans))
            except Exception as e:  # reported to the client as the last event
                events.put(AskEvent(event="error", message=str(e) or type(e).__name__))
            events.put(None)

        threading.Thread(target=work, daemon=True, name="qa-ask").start()
        while (event := events.get()) is not None:
            yield event

    def summarize(self, req: SummarizeRequest, progress: Callable[[str], None] | None = None,
                  paths: bool = False) -> Summary:
        """A cited summary of an article (id or title prefix; a stored file's path too when
        `paths`, for the CLI) or of a topic."""
        from qa.summarize import summarize_article, summarize_query

        if bool(req.article) == bool(req.query and req.query.strip()):
            raise QAError("give either an article (id or title prefix) or a query (a topic), not both")
        settings = self._with_policy(req.policy, req.sentences)
        with self.lock:
            if req.query:
                return summarize_query(req.query, settings, self.store, filters=req.filters,
                                       complete=self.complete, progress=progress)
            return summarize_article(req.article or "", settings, self.store, complete=self.complete,
                                     progress=progress, paths=paths)

    def search(self, req: SearchRequest) -> SearchResult:
        from qa.retrieve import search

        hits = search(self.store, req.query, self.settings.retrieval, k=req.k,
                      filters=req.filters, mode=req.mode)
        return SearchResult(query=req.query, results=hits)

    def stories(self, req: StoriesRequest) -> list[Story]:
        """Articles grouped into stories (qa/stories.py), newest first."""
        from qa.stories import stories

        return stories(self.store, self.settings.stories, req.filters)

    def timeline(self, req: TimelineRequest) -> Timeline:
        """The dated events of a topic and where its articles' figures disagree (qa/timeline.py)."""
        from qa.timeline import timeline

        return timeline(self.store, self.settings, req.topic, req.filters)

    def articles(self) -> list[ArticleRow]:
        return [ArticleRow(**r) for r in self.store.list_articles()]

    def add_files(self, files: list[tuple[str, Path]]) -> IngestReport:
        """Uploaded files (name as the client gave it, where it was saved), each kept as
        DATA_DIR/uploads/NAME and ingested; the reports merged."""
        from qa.ingest import ingest_upload

        report = IngestReport()
        for name, path in files:
            with self.lock:
                rep = ingest_upload(name, path, self.store)
            for part in ("added", "replaced", "skipped", "errors"):
                getattr(report, part).extend(getattr(rep, part))
            report.chunks += rep.chunks
        return report

    def add_paths(self, paths: list[Path], progress: Callable | None = None) -> IngestReport:
        """Files and folders on this machine (the CLI's `qa ingest`)."""
        from qa.ingest import ingest

        with self.lock:  # ingest lists every file first: a missing path fails before anything is stored
            return ingest(paths, self.store, progress=progress)

    def add_articles(self, rows: list[dict], origin: str = "api") -> IngestReport:
        """Articles as JSON objects (title and text required; source, author, category,
        published_at, url optional)."""
        from qa.ingest import ingest_rows

        with self.lock:
            return ingest_rows(rows, self.store, origin)

    def delete(self, article_id: str) -> None:
        with self.lock:
            if not self.store.delete_article(article_id):
                raise NotFound(f"no article with id {article_id!r}; list them with `qa list` "
                               "or GET /v1/articles")

    # ---- feeds --------------------------------------------------------------------------
    def feed_book(self):
        from qa.feeds import FeedBook

        if self._feeds is None:
            self._feeds = FeedBook(self.settings)
        return self._feeds

    def feeds(self) -> list:
        return self.feed_book().all()

    def add_feed(self, url: str, every: str | None = None):
        """Subscribe to a feed (`every`: '15m', '1h', ...; default settings.feeds.every)."""
        from qa.feeds import parse_every

        return self.feed_book().add(url, parse_every(every, self.settings.feeds.every))

    def remove_feed(self, url: str) -> None:
        """Unsubscribe; the articles it brought stay (delete them like any other)."""
        self.feed_book().remove(url)

    def poll_feeds(self, url: str | None = None, due_only: bool = False) -> list:
        """Poll one feed, every feed, or the feeds that are due; their reports. Network reads
        happen outside the model's lock; the store keeps its own."""
        from qa.feeds import poll, poll_due

        book = self.feed_book()
        if due_only:
            return poll_due(book, self.store)
        return [poll(book, f.url, self.store) for f in ([book.get(url)] if url else book.all())]

    def start_polling(self, every: float = 30.0) -> threading.Event:
        """Poll the feeds that are due in a background thread, checking every `every` seconds,
        until the returned event is set."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every):
                try:
                    self.poll_feeds(due_only=True)
                except Exception as e:  # a poll must not end the loop; the feed records its error
                    print(f"qa feeds: polling failed: {e}")

        threading.Thread(target=loop, daemon=True, name="qa-feeds").start()
        return stop

    def health(self) -> Health:
        c = self.store.counts()
        return Health(model=self.settings.model, embedder=EMBED_MODELS[self.settings.embedder],
                      articles=c["articles"], chunks=c["chunks"])
