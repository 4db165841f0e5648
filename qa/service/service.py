"""The one place the CLI, the browser app and the HTTP API call: ask, summarise, search,
add and delete articles, health. The front ends parse their requests into the models
below, call a `Service` and render what it returns; they hold no logic of their own.

A `Service` owns the settings, the store and the model's slots: as many questions are worked
on at once as the model has parallel slots (qa.modelservers.slots: one for the local model,
whose llama.cpp context answers one call at a time), whichever front end asks.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qa import telemetry
from qa.config import EMBED_MODELS, Settings
from qa.errors import NotFound, QAError
from qa.models import Answer, IngestReport, Sentence
from qa.service.briefs import Briefs
from qa.service.schemas import (
    ArticleRow,
    AskEvent,
    AskRequest,
    Health,
    SearchRequest,
    SearchResult,
    StoriesRequest,
    SummarizeRequest,
    TimelineRequest,
)

if TYPE_CHECKING:
    from qa.index.store import Store
    from qa.news.stories import Story
    from qa.news.summarize import Summary
    from qa.news.timeline import Timeline

log = logging.getLogger(__name__)

__all__ = ["Service"]


def with_policy(settings: Settings, policy: str | None, sentences: int | None = None) -> Settings:
    """settings with the answer policy and the summary length a request asks for."""
    if not policy and not sentences:
        return settings
    s = settings.model_copy(deep=True)
    if policy:
        s.answer.policy = policy  # type: ignore[assignment]
    if sentences:  # the word budget scales with the sentences asked for
        base = settings.summary
        s.summary.max_sentences = sentences
        s.summary.share = None  # the length asked for, not the article's share
        s.summary.max_words = max(10, round(base.max_words * sentences / base.max_sentences))
    return s


def warm_up(settings: Settings, model: bool) -> None:
    """Load the embedder, and the model and litellm when `model`. A question that arrives
    meanwhile waits for this rather than importing torch, llama_cpp or litellm beside it: two
    threads importing one package tree at once can fail halfway (a first question got a 500)."""
    from qa.index.embed import get_model
    from qa.llm import warm

    try:
        get_model(settings.embedder)
        if model:  # the default model function: qa.llm.complete
            warm(settings)
    except Exception as e:  # the first question reports it, with its fix
        log.warning("warming the model failed: %s", e)


@dataclass
class Service:
    settings: Settings
    store: Store
    complete: Callable | None = None  # the model function; None = qa.llm.complete
    slots: threading.Semaphore = field(init=False, repr=False)  # questions worked on at once
    _feeds: object = field(default=None, repr=False)
    _warming: threading.Thread | None = field(default=None, repr=False)
    briefs: Briefs = field(init=False, repr=False)  # saved questions, changes, exports

    def __post_init__(self) -> None:
        from qa.modelservers import slots

        self.slots = threading.Semaphore(slots(self.settings))
        self.briefs = Briefs(self)
        telemetry.configure(self.settings)  # QA_TELEMETRY__EXPORTER; off by default

    @classmethod
    def open(cls, settings: Settings, seed: bool = True, notify: Callable[[str], None] | None = None,
             complete: Callable | None = None) -> Service:
        """The service over settings' store, with the seed articles when the store is empty."""
        from qa.ingest.add import open_store

        return cls(settings, open_store(settings, seed=seed, notify=notify), complete)

    def warm(self) -> threading.Thread:
        """Load the model, its client library and the embedder in the background (the app
        calls it at start): otherwise the first question waits ~5 s more for them."""
        thread = threading.Thread(target=warm_up, args=(self.settings, self.complete is None),
                                  name="qa-warm", daemon=True)
        thread.start()
        self._warming = thread
        return thread

    @contextlib.contextmanager
    def _work(self) -> Iterator[None]:
        """One of the model's slots, once the warm-up has finished (see warm_up)."""
        self._ready()
        with self.slots:
            yield

    def _ready(self) -> None:
        if self._warming is not None:
            self._warming.join()

    def ask(self, req: AskRequest, on_sentence: Callable[[Sentence], None] | None = None,
            on_progress: Callable[[str], None] | None = None) -> Answer:
        """The checked answer; each sentence goes to on_sentence once it has passed its check."""
        from qa.answer.ask import ask
        from qa.answer.followup import standalone_question

        settings = with_policy(self.settings, req.policy)
        history = [(t.question, t.answer) for t in req.history]
        with self._work():
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
        from qa.news.summarize import summarize_article, summarize_query

        if bool(req.article) == bool(req.query and req.query.strip()):
            raise QAError("give either an article (id or title prefix) or a query (a topic), not both")
        settings = with_policy(self.settings, req.policy, req.sentences)
        with self._work(), telemetry.span("summarize", article=req.article, query=req.query):
            if req.query:
                return summarize_query(req.query, settings, self.store, filters=req.filters,
                                       complete=self.complete, progress=progress)
            return summarize_article(req.article or "", settings, self.store, complete=self.complete,
                                     progress=progress, paths=paths)

    def search(self, req: SearchRequest) -> SearchResult:
        from qa.index.retrieve import search

        self._ready()
        hits = search(self.store, req.query, self.settings.retrieval, k=req.k,
                      filters=req.filters, mode=req.mode)
        return SearchResult(query=req.query, results=hits)

    def stories(self, req: StoriesRequest) -> list[Story]:
        """Articles grouped into stories (qa/news/stories.py), newest first."""
        from qa.news.stories import stories

        return stories(self.store, self.settings.stories, req.filters)

    def timeline(self, req: TimelineRequest) -> Timeline:
        """The dated events of a topic and where its articles' figures disagree (qa/news/timeline.py)."""
        from qa.news.timeline import timeline

        return timeline(self.store, self.settings, req.topic, req.filters)

    def articles(self) -> list[ArticleRow]:
        return [ArticleRow(**r) for r in self.store.list_articles()]

    def add_files(self, files: list[tuple[str, Path]]) -> IngestReport:
        """Uploaded files (name as the client gave it, where it was saved), each kept as
        DATA_DIR/uploads/NAME and ingested; the reports merged."""
        from qa.ingest.add import ingest_upload

        report = IngestReport()
        for name, path in files:
            with self._work():
                rep = ingest_upload(name, path, self.store)
            for part in ("added", "replaced", "skipped", "errors", "new_ids"):
                getattr(report, part).extend(getattr(rep, part))
            report.chunks += rep.chunks
        self.briefs.arrived(report.new_ids)
        return report

    def add_paths(self, paths: list[Path], progress: Callable | None = None) -> IngestReport:
        """Files and folders on this machine (the CLI's `qa ingest`)."""
        from qa.ingest.add import ingest

        with self._work():  # ingest lists every file first: a missing path fails before anything is stored
            report = ingest(paths, self.store, progress=progress)
        self.briefs.arrived(report.new_ids)
        return report

    def add_articles(self, rows: list[dict], origin: str = "api") -> IngestReport:
        """Articles as JSON objects (title and text required; source, author, category,
        published_at, url optional)."""
        from qa.ingest.add import ingest_rows

        with self._work():
            report = ingest_rows(rows, self.store, origin)
        self.briefs.arrived(report.new_ids)
        return report

    def delete(self, article_id: str) -> None:
        with self._work():
            if not self.store.delete_article(article_id):
                raise NotFound(f"no article with id {article_id!r}; list them with `qa list` "
                               "or GET /v1/articles")

    # ---- feeds --------------------------------------------------------------------------
    def feed_book(self):
        from qa.ingest.feeds import FeedBook

        if self._feeds is None:
            self._feeds = FeedBook(self.settings)
        return self._feeds

    def feeds(self) -> list:
        return self.feed_book().all()

    def add_feed(self, url: str, every: str | None = None):
        """Subscribe to a feed (`every`: '15m', '1h', ...; default settings.feeds.every)."""
        from qa.ingest.feeds import parse_every

        return self.feed_book().add(url, parse_every(every, self.settings.feeds.every))

    def remove_feed(self, url: str) -> None:
        """Unsubscribe; the articles it brought stay (delete them like any other)."""
        self.feed_book().remove(url)

    def poll_feeds(self, url: str | None = None, due_only: bool = False) -> list:
        """Poll one feed, every feed, or the feeds that are due; their reports. Network reads
        happen outside the model's slots; the store keeps its own."""
        from qa.ingest.feeds import poll, poll_due

        book = self.feed_book()
        if due_only:
            reports = poll_due(book, self.store)
        else:
            reports = [poll(book, f.url, self.store) for f in ([book.get(url)] if url else book.all())]
        self.briefs.arrived([i for r in reports for i in r.new_ids])
        return reports

    def start_polling(self, every: float = 30.0) -> threading.Event:
        """Poll the feeds and send the webhooks that are due, every `every` seconds (polling)."""
        return polling(self, every)

    def health(self) -> Health:
        c = self.store.counts()
        return Health(model=self.settings.model, embedder=EMBED_MODELS[self.settings.embedder],
                      articles=c["articles"], chunks=c["chunks"])


def polling(service: Service, every: float) -> threading.Event:
    """Poll the feeds that are due (QA_FEEDS__BACKGROUND) and send the webhook deliveries that
    are due, in a background thread, every `every` seconds, until the returned event is set."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            try:
                if service.settings.feeds.background:
                    service.poll_feeds(due_only=True)
                service.briefs.deliver()  # webhooks that failed before and are due again
            except Exception as e:  # a poll must not end the loop; the feed records its error
                print(f"qa feeds: polling failed: {e}")

    threading.Thread(target=loop, daemon=True, name="qa-feeds").start()
    return stop
