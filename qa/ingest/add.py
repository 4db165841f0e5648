"""Adding articles to the store: files, uploads and API rows -> chunked, embedded and stored,
with a report of what was added, replaced, skipped or refused; and the store opened with the
seed articles when it is empty."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from qa.errors import BadInput
from qa.ingest.files import SUFFIXES, from_row, iter_files, read_articles
from qa.models import Article, IngestReport
from qa.resources import SEEDS_DIR

__all__ = ["ingest", "ingest_rows", "ingest_upload", "open_store", "store_articles"]


def ingest(paths: list[Path], store, progress: Callable[[int, int, IngestReport], None] | None = None
           ) -> IngestReport:
    """Load, chunk, embed and store every article under paths, streaming: articles are
    gathered into batches of about settings.ingest_batch_chars characters, each embedded in one pass and
    committed in one transaction, so memory stays bounded whatever the input size.
    progress(bytes read, bytes in all, report so far) is called after each article."""
    files = list(iter_files(paths))
    sizes = [f.stat().st_size for f in files]
    total = sum(sizes)

    def items() -> Iterator[tuple[Article | BadInput, int]]:
        before = 0
        for f, size in zip(files, sizes):
            for item, done in read_articles(f):
                yield item, before + done
            before += size

    def tick(done: int, report: IngestReport) -> None:
        if progress:
            progress(done, total, report)

    report = store_articles(items(), store, tick)
    if progress:
        progress(total, total, report)
    return report


def ingest_rows(rows: list, store, origin: str = "api") -> IngestReport:
    """Articles given as JSON objects (the .jsonl fields), e.g. through the HTTP API; a row
    without a url is keyed by `origin#title`, so sending it again with a new text replaces it."""
    where = (f"{origin} article {n}" for n in range(1, len(rows) + 1))
    items = ((from_row(w, origin, row), 0) for w, row in zip(where, rows))
    return store_articles(items, store)


def store_articles(items: Iterable[tuple[Article | BadInput, int]], store,
                   progress: Callable[[int, IngestReport], None] | None = None,
                   on_stored: Callable[[Article, str], None] | None = None) -> IngestReport:
    """Articles (or what was wrong with them) stored in batches: (item, bytes read so far).
    on_stored hears each article's outcome (added, replaced, skipped), in the items' order."""
    report = IngestReport()
    batch: dict[str, Article] = {}  # by key: a key or id seen twice in a batch flushes first
    ids: set[str] = set()
    chars = 0

    def flush() -> None:
        nonlocal chars
        found = list(batch.values())
        for a, (outcome, n) in zip(found, store.add_articles(found)):
            getattr(report, outcome).append(a.title)
            report.chunks += n
            if outcome != "skipped":
                report.new_ids.append(a.id)
            if on_stored:
                on_stored(a, outcome)
        batch.clear()
        ids.clear()
        chars = 0

    for item, done in items:
        if isinstance(item, BadInput):
            report.errors.append(str(item))
        else:
            if item.key in batch or item.id in ids:
                flush()
            batch[item.key] = item
            ids.add(item.id)
            chars += len(item.text)
            if chars >= store.settings.ingest_batch_chars:
                flush()
        if progress:
            progress(done, report)
    if batch:
        flush()
    return report


def ingest_upload(name: str, src: Path, store) -> IngestReport:
    """An uploaded file, kept as DATA_DIR/uploads/NAME and ingested from there: its key is
    the upload's name, so uploading an edited file of the same name replaces the old article
    (and a client cannot name a server path: only the base name is used)."""
    safe = Path(name).name.strip()
    if not safe or safe.startswith("."):
        return IngestReport(errors=[f"{name!r}: not a usable file name"])
    if Path(safe).suffix.lower() not in SUFFIXES:
        return IngestReport(errors=[f"{safe}: unsupported file type; use one of {sorted(SUFFIXES)}"])
    folder = store.settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe
    tmp = folder / f".{safe}.part"
    shutil.copyfile(src, tmp)
    os.replace(tmp, target)
    report = ingest([target], store)
    report.errors = [e.replace(str(folder) + os.sep, "") for e in report.errors]
    return report


def open_store(settings, seed: bool = True, notify: Callable[[str], None] | None = None):
    """The store, in step with its indexes, with seeds/ ingested when it is empty."""
    from qa.index.store import Store

    store = Store(settings)
    store.sync()
    if seed and store.counts()["articles"] == 0 and SEEDS_DIR.is_dir():
        if notify:
            notify(f"Empty store: ingesting the seed articles from {SEEDS_DIR} ...")
        ingest([SEEDS_DIR], store)
    return store
