"""Saved questions ("watches") and every answer they were given.

A watch is a question with its filters, and optionally a webhook. It is re-answered when
articles arrive that its evidence takes in (qa/service: after feeds, uploads and the API add
articles) and on demand; each run keeps the whole checked answer and what changed since the
run before (qa/briefs/changes.py). The book lives in DATA_DIR/watches.sqlite3, or in the
PostgreSQL store (QA_STORE_URL), so every server over one store sees the same watches.

A watch's id is a digest of its question and filters: adding the same watch twice keeps one.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from pydantic import BaseModel, Field

from qa.briefs.changes import Changes, changes
from qa.config import Settings
from qa.errors import BadInput, NotFound
from qa.index.db import connect
from qa.index.filters import Filters
from qa.ingest.fetch import check_url
from qa.models import Answer

__all__ = ["Run", "Watch", "WatchBook"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS watches (
  id TEXT PRIMARY KEY, question TEXT NOT NULL, filters TEXT NOT NULL, webhook TEXT NOT NULL DEFAULT '',
  created_at DOUBLE PRECISION NOT NULL);
CREATE TABLE IF NOT EXISTS watch_runs (
  watch_id TEXT NOT NULL, n INTEGER NOT NULL, at DOUBLE PRECISION NOT NULL, why TEXT NOT NULL,
  answer TEXT NOT NULL, changes TEXT NOT NULL, PRIMARY KEY (watch_id, n));
CREATE TABLE IF NOT EXISTS deliveries (
  watch_id TEXT NOT NULL, n INTEGER NOT NULL, url TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_at DOUBLE PRECISION NOT NULL, delivered_at DOUBLE PRECISION, last_error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (watch_id, n, url));
"""


class Watch(BaseModel):
    id: str
    question: str
    filters: Filters = Field(default_factory=Filters)
    webhook: str = Field("", description="A URL each change is POSTed to as JSON ('' for none).")
    created_at: float
    runs: int = Field(0, description="Times it has been answered.")
    last_run_at: float | None = None
    last_change: str = Field("", description="What the last run changed, in a line.")
    undelivered: int = Field(0, description="Changes its webhook has not yet taken (retried).")
    delivery_error: str = Field("", description="Why the last delivery failed, if it did.")


class Run(BaseModel):
    watch_id: str
    n: int = Field(description="1 for the first answer, then 2, 3 ...")
    at: float
    why: str = Field(description="What set it off: 'added', 'on demand', 'new article: TITLE'.")
    answer: Answer
    changes: Changes


def watch_id(question: str, filters: Filters) -> str:
    key = " ".join(question.lower().split()) + "\n" + filters.model_dump_json()
    return hashlib.sha256(key.encode()).hexdigest()[:12]


class WatchBook:
    """The watches, their runs and their webhook deliveries."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.db = connect(settings.store_url, Path(settings.data_dir), "watches.sqlite3")
        self.db.script(_SCHEMA)

    def add(self, question: str, filters: Filters | None = None, webhook: str = "") -> Watch:
        """A new watch (the same question and filters again: the one already kept, its webhook
        set to this one when given)."""
        question, filters, webhook = question.strip(), filters or Filters(), webhook.strip()
        if not question:
            raise BadInput("watch", "a watch needs a question: what should be re-asked as news arrives?")
        if webhook:
            check_url(webhook, self.settings.feeds_allow_private)
        wid = watch_id(question, filters)
        with self.db.tx():
            self.db.execute("INSERT INTO watches (id, question, filters, webhook, created_at) "
                            "VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                            (wid, question, filters.model_dump_json(), webhook, time.time()))
            if webhook:
                self.db.execute("UPDATE watches SET webhook=? WHERE id=?", (webhook, wid))
        return self.get(wid)

    def remove(self, wid: str) -> None:
        self.get(wid)
        with self.db.tx():
            for table in ("deliveries", "watch_runs"):
                self.db.execute(f"DELETE FROM {table} WHERE watch_id=?", (wid,))
            self.db.execute("DELETE FROM watches WHERE id=?", (wid,))

    def get(self, wid: str) -> Watch:
        row = self.db.execute("SELECT id, question, filters, webhook, created_at FROM watches "
                              "WHERE id=?", (wid.strip(),)).fetchone()
        if row is None:
            raise NotFound(f"no watch {wid!r}; `qa watch list` or GET /v1/watches shows them")
        return self._watch(row)

    def all(self) -> list[Watch]:
        rows = self.db.execute("SELECT id, question, filters, webhook, created_at FROM watches "
                               "ORDER BY created_at").fetchall()
        return [self._watch(r) for r in rows]

    def _watch(self, row) -> Watch:
        wid = row[0]
        last = self.db.execute("SELECT n, at, changes FROM watch_runs WHERE watch_id=? ORDER BY n DESC "
                               "LIMIT 1", (wid,)).fetchone()
        pending = self.db.execute("SELECT count(*), max(last_error) FROM deliveries WHERE watch_id=? "
                                  "AND delivered_at IS NULL", (wid,)).fetchone()
        return Watch(id=wid, question=row[1], filters=Filters.model_validate_json(row[2]),
                     webhook=row[3], created_at=row[4], runs=last[0] if last else 0,
                     last_run_at=last[1] if last else None,
                     last_change=Changes.model_validate_json(last[2]).summary() if last else "",
                     undelivered=pending[0] or 0, delivery_error=pending[1] or "")

    def runs(self, wid: str, limit: int | None = None) -> list[Run]:
        """The watch's runs, newest first."""
        self.get(wid)
        sql = f"SELECT {_RUN_COLUMNS} FROM watch_runs WHERE watch_id=? ORDER BY n DESC"
        rows = self.db.execute(sql + (f" LIMIT {int(limit)}" if limit else ""), (wid,)).fetchall()
        return [_run(r) for r in rows]

    def record(self, wid: str, answer: Answer, why: str) -> Run:
        """A new run of the watch, compared with the one before; a change is queued for the
        watch's webhook in the same transaction, so none is lost."""
        watch = self.get(wid)
        answer = answer.model_copy(update={"passages": [], "draft": ""})
        with self.db.tx():
            last = self.runs(wid, limit=1)
            run = Run(watch_id=wid, n=last[0].n + 1 if last else 1, at=time.time(), why=why,
                      answer=answer, changes=changes(last[0].answer if last else None, answer))
            self.db.execute("INSERT INTO watch_runs (watch_id, n, at, why, answer, changes) "
                            "VALUES (?,?,?,?,?,?)", (wid, run.n, run.at, why, answer.model_dump_json(),
                                                     run.changes.model_dump_json()))
            if watch.webhook and run.changes.changed:
                self.db.execute("INSERT INTO deliveries (watch_id, n, url, next_at) VALUES (?,?,?,?)",
                                (wid, run.n, watch.webhook, run.at))
        return run

    def changes_feed(self, wid: str | None = None, limit: int = 50) -> list[tuple[Watch, Run]]:
        """The latest runs that changed something, newest first (the Atom feed's entries)."""
        watches = {w.id: w for w in ([self.get(wid)] if wid else self.all())}
        out = [(watches[r.watch_id], r) for w in watches for r in self.runs(w, limit=limit)
               if r.changes.changed]
        return sorted(out, key=lambda wr: wr[1].at, reverse=True)[:limit]

    def run(self, wid: str, n: int) -> Run:
        row = self.db.execute(f"SELECT {_RUN_COLUMNS} FROM watch_runs WHERE watch_id=? AND n=?",
                              (wid, n)).fetchone()
        if row is None:
            self.get(wid)  # an unknown watch says so first
            raise NotFound(f"watch {wid!r} has no run {n}")
        return _run(row)


_RUN_COLUMNS = "watch_id, n, at, why, answer, changes"


def _run(row) -> Run:
    return Run(watch_id=row[0], n=row[1], at=row[2], why=row[3], answer=Answer.model_validate_json(row[4]),
               changes=Changes.model_validate_json(row[5]))
