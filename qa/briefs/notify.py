"""Webhook deliveries of a watch's changes: each change a watch records is queued (in the
same transaction as its run; qa/briefs/watches.py) and POSTed as JSON to the watch's URL.
A failed POST is kept and tried again after `retry_seconds`, doubled each failure up to an
hour; it is never dropped, and the watch shows how many are waiting and why."""

from __future__ import annotations

import time

from pydantic import BaseModel

from qa.briefs.watches import Run, Watch, WatchBook
from qa.ingest.fetch import FetchError, check_url

__all__ = ["Delivery", "deliver_due", "payload"]

MAX_WAIT = 3600.0


class Delivery(BaseModel):
    watch_id: str
    n: int
    url: str
    ok: bool
    attempts: int
    error: str = ""


def payload(watch: Watch, run: Run) -> dict:
    """What a webhook receives: the watch, what changed, and the answer with its citations."""
    a = run.answer
    return {"watch": {"id": watch.id, "question": watch.question,
                      "filters": watch.filters.model_dump(exclude_none=True)},
            "run": {"n": run.n, "at": run.at, "why": run.why},
            "changes": {**run.changes.model_dump(), "summary": run.changes.summary()},
            "answer": {"text": a.text, "answer": a.answer, "refused": a.refused,
                       "citations": [c.model_dump() for c in a.citations]}}


def deliver_due(book: WatchBook, now: float | None = None) -> list[Delivery]:
    """POST every delivery that is due; record each outcome."""
    import httpx

    now = time.time() if now is None else now
    rows = book.db.execute("SELECT watch_id, n, url, attempts FROM deliveries WHERE delivered_at IS "
                           "NULL AND next_at <= ? ORDER BY next_at", (now,)).fetchall()
    settings = book.settings
    done = []
    for wid, n, url, attempts in rows:
        error = ""
        try:
            check_url(url, settings.feeds_allow_private)  # the host may have moved since
            got = httpx.post(url, json=payload(book.get(wid), book.run(wid, n)),
                             timeout=settings.watches.timeout, follow_redirects=False, trust_env=False)
            if got.status_code >= 300:
                error = f"{url} answered HTTP {got.status_code}"
        except (httpx.HTTPError, FetchError) as e:
            error = f"{type(e).__name__}: {e}"
        wait = min(settings.watches.retry_seconds * 2 ** attempts, MAX_WAIT)
        with book.db.tx():
            book.db.execute("UPDATE deliveries SET attempts=attempts+1, last_error=?, next_at=?, "
                            "delivered_at=? WHERE watch_id=? AND n=? AND url=?",
                            (error, now + wait, None if error else time.time(), wid, n, url))
        done.append(Delivery(watch_id=wid, n=n, url=url, ok=not error, attempts=attempts + 1, error=error))
    return done
