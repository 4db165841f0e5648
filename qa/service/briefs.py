"""The service's briefs: saved questions ("watches") re-answered as news arrives, their
webhooks and Atom feed, and exports of answers, summaries, timelines and watch histories.
Reached as `service.briefs`; the CLI, the app and the API call these and nothing below."""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, Field

from qa.errors import BadInput
from qa.index.filters import Filters

if TYPE_CHECKING:
    from qa.briefs.notify import Delivery
    from qa.briefs.watches import Run, Watch, WatchBook
    from qa.config import Settings
    from qa.index.store import Store
    from qa.models import Answer
    from qa.service.schemas import AskRequest

log = logging.getLogger(__name__)

__all__ = ["Briefs", "WatchRequest"]


class WatchRequest(BaseModel):
    question: str = Field(min_length=1, max_length=4000, description="The question to keep asking.")
    filters: Filters = Field(default_factory=Filters, description="Outlet, category and dates.")
    webhook: str = Field("", description="A URL each change is POSTed to as JSON (optional).")
    run: bool = Field(True, description="Answer it now (its first run); off: at the next "
                      "matching article or on demand.")


class Asks(Protocol):
    """What the briefs need of the service (qa.service.service.Service): its settings, its
    store and its ask."""

    settings: Settings
    store: Store

    def ask(self, req: AskRequest) -> Answer: ...


@dataclass
class Briefs:
    service: Asks
    _book: WatchBook | None = field(default=None, repr=False)
    _arrivals: queue.Queue = field(default_factory=queue.Queue, repr=False)
    _worker: threading.Thread | None = field(default=None, repr=False)

    def book(self) -> WatchBook:
        from qa.briefs.watches import WatchBook

        if self._book is None:
            self._book = WatchBook(self.service.settings)
        return self._book

    # ---- watches --------------------------------------------------------------------------
    def add_watch(self, req: WatchRequest) -> Watch:
        watch = self.book().add(req.question, req.filters, req.webhook)
        if req.run and watch.runs == 0:
            self.run_watch(watch.id, "added")
        return self.book().get(watch.id)

    def remove_watch(self, wid: str) -> None:
        self.book().remove(wid)

    def watches(self) -> list[Watch]:
        return self.book().all()

    def runs(self, wid: str, limit: int | None = None) -> list[Run]:
        return self.book().runs(wid, limit)

    def run_watch(self, wid: str, why: str = "on demand") -> Run:
        """Answer the watch's question now and keep the run, with what changed; its webhook
        is sent the change (a failure is kept and retried: deliver())."""
        from qa.service.schemas import AskRequest

        watch = self.book().get(wid)
        answer = self.service.ask(AskRequest(question=watch.question, filters=watch.filters))
        run = self.book().record(wid, answer, why)
        if watch.webhook and run.changes.changed:
            self.deliver()
        return run

    def matching(self, new_ids: list[str]) -> list[tuple[Watch, str]]:
        """The watches whose evidence (what the model would read: qa.answer.ask.gather) takes
        in one of the new articles with a passage about the question, each with why."""
        from qa.answer.ask import gather

        new, settings = set(new_ids), self.service.settings
        least = settings.retrieval.min_similarity
        found = []
        for watch in self.watches():
            passages, refused = gather(watch.question, settings, self.service.store, watch.filters)
            entered = [p for p in passages if not refused and p.similarity >= least
                       and new & {p.article_id, *(c.article_id for c in p.also_in)}]
            if entered:
                found.append((watch, f"new article: {entered[0].title}"))
        return found

    def arrived(self, new_ids: list[str]) -> None:
        """Articles were added or replaced: the watches they matter to are re-answered in the
        background, in turn (wait() for them)."""
        if not new_ids or not self.watches():
            return
        self._arrivals.put(list(new_ids))
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, daemon=True, name="qa-watches")
            self._worker.start()

    def _work(self) -> None:
        while True:
            try:
                ids = self._arrivals.get(timeout=1.0)
            except queue.Empty:
                return
            try:
                for watch, why in self.matching(ids):
                    self.run_watch(watch.id, why)
            except Exception as e:  # the next arrival tries again; the store is unchanged
                log.warning("re-answering saved questions failed: %s", e)
            finally:
                self._arrivals.task_done()

    def wait(self) -> None:
        """Until every arrival so far has been handled."""
        self._arrivals.join()

    def deliver(self) -> list[Delivery]:
        """Send the webhook deliveries that are due (failed ones wait, doubling, and stay)."""
        from qa.briefs.notify import deliver_due

        return deliver_due(self.book())

    def feed(self, base_url: str, wid: str | None = None) -> bytes:
        """The Atom feed of changes: every watch's, or one's."""
        from qa.briefs.atom import atom

        entries = self.book().changes_feed(wid)
        title = f"qa: {self.book().get(wid).question}" if wid else "qa: changes to saved questions"
        return atom(entries, base_url.rstrip("/"), title, f"urn:qa:watch:{wid}" if wid else "urn:qa:watches")

    # ---- export ---------------------------------------------------------------------------
    def export(self, item, fmt: str) -> bytes:
        """An answer, a summary, a timeline or a watch (by id) as a md, html or docx file."""
        from qa.briefs import document as d
        from qa.briefs.export import export
        from qa.models import Answer
        from qa.news.summarize import Summary
        from qa.news.timeline import Timeline

        url_of, note = self._url_of, self._note()
        if isinstance(item, str):
            doc = d.from_runs(self.book().get(item).question, self.runs(item), url_of, note)
        elif isinstance(item, Answer):
            doc = d.from_answer(item, url_of, note)
        elif isinstance(item, Summary):
            doc = d.from_summary(item, url_of, note)
        elif isinstance(item, Timeline):
            doc = d.from_timeline(item, url_of, note)
        else:
            raise BadInput("export", f"cannot export a {type(item).__name__}: give an answer, a "
                           "summary, a timeline or a watch id")
        return export(doc, fmt)

    def _url_of(self, article_id: str) -> str:
        article = self.service.store.article(article_id)
        return article.url if article else ""

    def _note(self) -> str:
        return (f"Exported from qa on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Every sentence was "
                f"checked against the passage it cites; model {self.service.settings.model}.")
