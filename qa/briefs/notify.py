"""Webhook deliveries of a watch's changes: each change a watch records is queued (in the
same transaction as its run; qa/briefs/watches.py) and POSTed as JSON to the watch's URL.
A failed POST is kept and tried again after `retry_seconds`, doubled each failure up to an
hour; it is never dropped, and the watch shows how many are waiting and why. Several qa
processes over one store each send what is due: a delivery is claimed (its next try moved
past the POST's timeout, in one statement) before it is sent, so only one of them sends it."""

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
        if not _claim(book, wid, n, url, now, settings.watches.timeout):
            continue  # another qa process over the same store took it first
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


def _claim(book: WatchBook, wid: str, n: int, url: str, now: float, timeout: float) -> bool:
    """Take a due delivery for this process: True when no other process has taken it since
    it was read (its next try moved past this POST's timeout, so a crash mid-POST retries it)."""
    with book.db.tx():
        cur = book.db.execute("UPDATE deliveries SET next_at=? WHERE watch_id=? AND n=? AND url=? "
                              "AND delivered_at IS NULL AND next_at <= ?",
                              (now + 2 * timeout, wid, n, url, now))
        return cur.rowcount == 1

