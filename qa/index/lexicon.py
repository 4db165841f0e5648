"""The store's BM25 index and chunk catalogue, kept in step with its chunks incrementally.

Triggers on the chunks table write every insert and delete into `chunk_log` (so writes by
other processes, and by tools that insert rows directly, are seen too). `current()` applies
the log entries after the index's position: added chunks are tokenised and appended, removed
ones marked dead (qa/index/bm25.py), and the catalogue grows row for row with the index. Search
results are those of a full rebuild (tests/test_bm25.py). Every SAVE_EVERY changed chunks
the index is saved compacted and the log entries before it are dropped; a process whose
index is older than the log's first entry reloads the saved index (or rebuilds).

When PostgreSQL ranks the lexical half (QA_RETRIEVAL__LEXICAL=postgres), the index holds the
chunks' ids only, no words: the catalogue's rows, without reading every chunk's text at
start or keeping postings in memory (saved apart, under catalog/, so a switch back to BM25
never loads a wordless index).
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.index.bm25 import Index
from qa.index.filters import Catalog

__all__ = ["SAVE_EVERY", "Lexicon", "current"]

SAVE_EVERY = 20_000


@dataclass
class Lexicon:
    seq: int  # the change-log position it reflects
    index: Index
    catalog: Catalog
    saved_seq: int  # the position of the saved copy


def current(store, lex: Lexicon | None) -> Lexicon:
    """lex brought up to the store's latest change (loaded or built when None)."""
    last = _last(store)
    if lex is None or _pruned_past(store, lex.seq):
        lex = _load(store)
    if lex.seq < last:
        lex = _catch_up(store, lex, last)
    return lex


def _last(store) -> int:
    return store._row("SELECT max(seq) FROM chunk_log") or 0


def _pruned_past(store, seq: int) -> bool:
    """Whether log entries after seq were dropped (this index can't catch up from the log)."""
    first = store._row("SELECT min(seq) FROM chunk_log")
    return first is not None and first > seq + 1


def _words(store) -> bool:
    """Whether this process ranks by BM25, so its index needs the chunks' words."""
    return store.settings.retrieval.lexical == "bm25"


def _folder(store):
    return store.dir / ("bm25" if _words(store) else "catalog") / store.key


def _load(store) -> Lexicon:
    folder = _folder(store)
    if (folder / "index.json").exists():
        try:
            index, meta = Index.load(folder)
        except (OSError, ValueError, KeyError):
            index, meta = None, {}
        if index is not None and not _pruned_past(store, meta["seq"]):
            return Lexicon(meta["seq"], index, _catalog(store, index), meta["seq"])
    return _rebuild(store)


def _rebuild(store) -> Lexicon:
    seq = _last(store)
    ids, texts = store._all_chunk_texts() if _words(store) else (store._all_chunk_ids(), None)
    index = Index()
    index.add(ids, texts)
    lex = Lexicon(seq, index, _catalog(store, index), seq)
    _save(store, lex)
    return lex


def _catch_up(store, lex: Lexicon, last: int) -> Lexicon:
    ops = store.db.execute("SELECT chunk_id, op FROM chunk_log WHERE seq > ? AND seq <= ? AND index_key=? "
                           "ORDER BY seq", (lex.seq, last, store.key)).fetchall()
    final = dict(ops)  # the last operation on each chunk wins
    rows = store.chunk_rows([c for c, op in final.items() if op == "+"])
    lex.index.remove([c for c in final if c not in rows])  # removed (or added, then removed)
    added = [c for c in final if c in rows]
    lex.index.add(added, [rows[c][0] for c in added] if _words(store) else None)
    catalog = lex.catalog.extended([(c, *rows[c][1:]) for c in added], lex.index.alive)
    out = Lexicon(last, lex.index, catalog, lex.saved_seq)
    if out.seq - out.saved_seq >= SAVE_EVERY:
        _save(store, out)
    return out


def _save(store, lex: Lexicon) -> None:
    lex.index.save(_folder(store), {"seq": lex.seq})
    lex.saved_seq = lex.seq
    with store.db.tx():  # keep the newest entry: the log's max(seq) is the store's position
        store.db.execute("DELETE FROM chunk_log WHERE seq <= ? AND seq < (SELECT max(seq) FROM chunk_log)",
                         (lex.seq,))


def _catalog(store, index: Index) -> Catalog:
    """The catalogue of index's rows (a row whose chunk is gone from the store is dead)."""
    meta = {r[0]: r[1:] for r in store.db.execute(
        "SELECT c.id, a.source, a.category, a.published_at FROM chunks c JOIN articles a "
        "ON a.id = c.article_id WHERE c.index_key=?", (store.key,))}
    rows = [(c, *meta.get(c, ("", "", ""))) for c in index.ids]
    index.remove([c for c in index.ids if c not in meta])
    return Catalog.from_rows(rows).extended([], index.alive)
