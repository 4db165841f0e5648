"""Retrieval at archive sizes on the shared store beside the embedded one (run by
bench/scale.py --part size).

For each size, three stores are filled with the same synthetic chunks (bench/performance.py's
build_synthetic: dev-corpus sentences recombined, vectors of real sentences jittered, 37
outlets, dates over a year): embedded (SQLite + Chroma on disk), shared (PostgreSQL + a Chroma
server, BM25 in the process) and shared with the lexical half ranked inside PostgreSQL
(QA_RETRIEVAL__LEXICAL=postgres). Then hybrid search, k=10, for MultiHop-RAG dev queries, as
one qa process that has loaded its store: p50/p95 with no filter and with one outlet.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from bench import servers
from bench.performance import DATA, build_synthetic
from qa.config import Settings
from qa.evals.metrics import percentile


def _search_ms(store, queries: list[str], filters) -> tuple[float, float]:
    from qa.index.retrieve import search

    lat = []
    for q in queries:
        t = time.perf_counter()
        search(store, q, store.settings.retrieval, k=10, filters=filters)
        lat.append(1000 * (time.perf_counter() - t))
    return percentile(lat, 50), percentile(lat, 95)


def measure(label: str, settings: Settings, n: int, queries: list[str], fill: bool = True) -> dict:
    """Fill a store with n synthetic chunks (or open one filled already) and search it."""
    from qa.index.retrieve import Filters, search
    from qa.index.store import Store

    store = Store(settings)
    t = time.perf_counter()
    if fill:
        build_synthetic(store, n)
    built = time.perf_counter() - t if fill else None
    t = time.perf_counter()
    search(store, "warm up", settings.retrieval)  # loads the embedder, the catalogue (and BM25)
    first = time.perf_counter() - t
    source = sorted(store.catalog().sources)[0]
    row = {"store": label, "n": store.counts()["chunks"], "built": built, "first": first}
    row["p50"], row["p95"] = _search_ms(store, queries, None)
    row["src_p50"], row["src_p95"] = _search_ms(store, queries, Filters(source=source))
    print(row, flush=True)
    return row


def measure_sizes(sizes: list[int], folder: Path, n_queries: int, fulltext_upto: int,
                  embedded: bool = True) -> list[dict]:
    """The three stores at each size (embedded False: the shared ones only); the full-text row
    only up to fulltext_upto chunks (it ranks every chunk holding any of the question's
    words, so its time grows with them)."""
    queries = [json.loads(x)["query"] for x in (DATA / "queries.jsonl").open()][:n_queries]
    rows = []
    with servers.postgres() as pg, servers.chroma(folder) as chroma_url:
        for n in sizes:
            base = Settings(data_dir=folder / f"embedded{n}")
            if embedded:
                rows.append(measure("embedded: SQLite + Chroma on disk, BM25 in the process", base, n,
                                    queries))
            shared = base.model_copy(update={"data_dir": folder / f"shared{n}", "chroma_url": chroma_url,
                                             "store_url": servers.new_database(pg, f"qa_size{n}")})
            rows.append(measure("shared: PostgreSQL + Chroma server, BM25 in the process", shared, n,
                                queries))
            if n > fulltext_upto:
                continue
            lexical = shared.retrieval.model_copy(update={"lexical": "postgres"})
            fts = shared.model_copy(update={"data_dir": folder / f"fts{n}", "retrieval": lexical})
            rows.append(measure("the same shared store, lexical ranked in PostgreSQL", fts, n, queries,
                                fill=False))
    return rows


def table(rows: list[dict], n_queries: int) -> str:
    out = [f"Hybrid search, k=10, {n_queries} MultiHop-RAG dev queries, by one process that has loaded "
           "its store (synthetic chunks, see bench/size.py). 'first search' builds the process's "
           "catalogue (and its BM25 index where BM25 ranks) from the store; the embedder was loaded.", "",
           "| store | chunks | filled s | first search s | p50 ms | p95 ms | one outlet p50 ms | p95 ms |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        built = "" if r["built"] is None else f"{r['built']:.0f}"
        out.append(f"| {r['store']} | {r['n']:,} | {built} | {r['first']:.1f} | {r['p50']:.0f} | "
                   f"{r['p95']:.0f} | {r['src_p50']:.0f} | {r['src_p95']:.0f} |")
    return "\n".join(out)
