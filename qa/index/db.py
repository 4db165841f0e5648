"""The library's database: an SQLite file in the data folder (the embedded default), or a
PostgreSQL server that several qa processes share (`QA_STORE_URL=postgresql://...`).

Both speak the same SQL here: qa's statements use `?` placeholders and the upsert both
engines know (`INSERT ... ON CONFLICT ... DO UPDATE`); `Db` turns the placeholders into
psycopg's and runs each schema in its engine's own words (the change log's counter and
triggers differ). On PostgreSQL every write transaction first takes one advisory lock, so
writers commit one at a time, in the order of their change-log numbers: a reader that has
seen entry n has seen every entry before it (qa.index.lexicon relies on that).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

__all__ = ["Db", "connect"]

_WRITE_LOCK = 7_271_100  # the advisory lock every PostgreSQL write transaction holds


class Db:
    """One connection, SQLite or PostgreSQL, with the few calls the store makes."""

    def __init__(self, conn: Any, dialect: Literal["sqlite", "postgres"], where: str):
        self.conn, self.dialect, self.where = conn, dialect, where
        self._tx_lock = threading.RLock()  # one transaction at a time on this connection
        self._depth = 0

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgres" else sql

    def execute(self, sql: str, params: Sequence = ()) -> Any:
        """Run one statement; the cursor (iterable, fetchone, fetchall)."""
        return self.conn.execute(self._sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence]) -> None:
        if self.dialect == "postgres":
            with self.conn.cursor() as cur:
                cur.executemany(self._sql(sql), [tuple(r) for r in rows])
        else:
            self.conn.executemany(sql, rows)

    def script(self, sqlite: str, postgres: str | None = None) -> None:
        """Run a schema: the SQLite text, or its PostgreSQL version (the same when None)."""
        if self.dialect == "postgres":
            with self.tx():
                self.conn.execute((postgres or sqlite).encode())  # several statements, no parameters
        else:
            self.conn.executescript(sqlite)

    @contextmanager
    def tx(self) -> Iterator[None]:
        """A transaction: committed when the block ends, rolled back when it raises. A block
        in the same thread inside another joins it; another thread's waits for it to end."""
        with self._tx_lock:
            self._depth += 1
            try:
                if self._depth > 1:
                    yield
                elif self.dialect == "postgres":
                    with self.conn.transaction():
                        self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
                        yield
                else:
                    with self.conn:
                        yield
            finally:
                self._depth -= 1

    def close(self) -> None:
        self.conn.close()


def connect(url: str | None, data_dir: Path, name: str = "qa.sqlite3") -> Db:
    """The database at url (postgresql://...), or the SQLite file `name` in data_dir (a writer
    waits up to 30 s for another process's write to end)."""
    if url:
        if not url.startswith(("postgresql://", "postgres://")):
            from qa.errors import StoreError

            raise StoreError(f"QA_STORE_URL {url!r} is not a postgresql:// address; unset it for "
                              "the embedded SQLite store")
        try:
            import psycopg
        except ImportError as e:
            from qa.errors import StoreError

            raise StoreError("QA_STORE_URL needs psycopg: pip install 'psycopg[binary]'") from e
        try:
            conn = psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError as e:
            from qa.errors import StoreError

            raise StoreError(f"cannot reach the PostgreSQL store at {_redacted(url)}: "
                              f"{str(e).strip().splitlines()[0]}") from e
        return Db(conn, "postgres", _redacted(url))
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / name
    return Db(sqlite3.connect(path, check_same_thread=False, timeout=30), "sqlite", str(path))


def _redacted(url: str) -> str:
    """The address without its password."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
