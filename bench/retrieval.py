"""Retrieval on MultiHop-RAG dev: Hits@4, Hits@10, MRR@10, MAP@10.

    python bench/retrieval.py [--no-distractors] [--postgres] [--write docs/retrieval.md]

The corpus is the 326 MultiHop-RAG articles in the repository, plus the 141 off-topic
distractors of ../shared/data/multihop-rag-dev/ when that folder is there (they carry no
licence, so they are not in the repository); the table's first line says which.

--postgres starts a PostgreSQL server (bench/servers.py) and measures a store on it instead:
its lexical half by BM25 (as the embedded store) and by PostgreSQL's full-text search
(QA_RETRIEVAL__LEXICAL=postgres, qa/index/fulltext.py), side by side on the same chunks.

Every configuration but the last groups copies of one text (qa/index/copies.py: one passage per
copy group); the last is the production configuration without that grouping.

Dataset definitions: null queries skipped; a retrieved chunk is relevant if it contains a
gold evidence fact. Each configuration is measured on its own store (built once, cached in
.qa/bench/), in one run, with the same queries. Latency is per query: embedding + search +
fusion (+ rerank), measured in-process.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DISTRACTORS = ROOT.parent / "shared" / "data" / "multihop-rag-dev" / "distractors.jsonl"

from bench import servers  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.evals import metrics as m  # noqa: E402
from qa.evals.cases import load_multihop  # noqa: E402
from qa.index.retrieve import search  # noqa: E402
from qa.index.store import Store  # noqa: E402
from qa.ingest.add import ingest  # noqa: E402

MODES = [("dense only", "dense", {"rerank": False}), ("BM25 only", "bm25", {"rerank": False}),
         ("hybrid (RRF)", "hybrid", {"rerank": False}),
         ("dense + source/diversity rerank", "dense", {"rerank": True}),
         ("hybrid + source/diversity rerank", "hybrid", {"rerank": True}),
         ("hybrid + rerank, copies not grouped", "hybrid", {"rerank": True, "copies": False})]
# --postgres: the same store on a PostgreSQL server, its lexical half by BM25 or by PostgreSQL
POSTGRES_MODES = [("dense only (PostgreSQL store)", "dense", {"rerank": False}),
                  ("BM25 only (PostgreSQL store)", "bm25", {"rerank": False}),
                  ("PostgreSQL full-text only", "bm25", {"rerank": False, "lexical": "postgres"}),
                  ("hybrid (RRF), BM25", "hybrid", {"rerank": False}),
                  ("hybrid (RRF), PostgreSQL full-text", "hybrid", {"rerank": False, "lexical": "postgres"}),
                  ("hybrid + rerank, PostgreSQL full-text", "hybrid",
                   {"rerank": True, "lexical": "postgres"})]


def run(chunk_words: int, embedder: str, queries, corpus, store_url: str | None = None) -> list[dict]:
    """Every configuration on the embedded store; with store_url, instead BM25 beside
    PostgreSQL's full-text search on a shared store of the same corpus (POSTGRES_MODES)."""
    folder = ROOT / ".qa" / "bench" / f"mh-{chunk_words}-{len(corpus)}"
    if store_url:  # a new database each run: its vectors go to a new folder too
        folder = Path(tempfile.mkdtemp(prefix="qa-retrieval-pg-"))
    settings = Settings(data_dir=folder, store_url=store_url,
                        chunking={"target_words": chunk_words}, embedder=embedder)
    store = Store(settings)
    t = time.perf_counter()
    store.sync()  # index what an earlier run stored under another embedder or chunking
    ingest(corpus, store)
    ingest_s = time.perf_counter() - t
    out = []
    ungrouped = Store(settings.model_copy(update={"stories": settings.stories.model_copy(
        update={"copies": False})}))
    for label, mode, extra in (POSTGRES_MODES if store_url else MODES):
        extra = dict(extra)
        on = ungrouped if extra.pop("copies", True) is False else store
        r = settings.retrieval.model_copy(update=extra)
        out.append({"chunk_words": chunk_words, "config": label, "embedder": embedder,
                    "chunks": store.counts()["chunks"], "ingest_s": ingest_s,
                    **_measure(on, r, mode, queries)})
    return out


def _measure(store: Store, r, mode: str, queries) -> dict:
    rels, lat = [], []
    search(store, "warm up", r, k=10, mode=mode)
    for case in queries:
        t = time.perf_counter()
        hits = search(store, case.question, r, k=10, mode=mode)
        lat.append(time.perf_counter() - t)
        rels.append((m.retrieval_ranks([h.text for h in hits], case.gold_facts), len(case.gold_facts)))
    return {"hits@4": m.rate([m.hits_at(r_, 4) for r_, _ in rels]),
            "hits@10": m.rate([m.hits_at(r_, 10) for r_, _ in rels]),
            "mrr@10": m.rate([m.mrr_at(r_) for r_, _ in rels]),
            "map@10": m.rate([m.map_at(r_, n) for r_, n in rels]),
            "p50_ms": 1000 * m.percentile(lat, 50), "p95_ms": 1000 * m.percentile(lat, 95)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", help="write the markdown table to this file")
    ap.add_argument("--sizes", default="120,60", help="chunk sizes (words) to compare")
    ap.add_argument("--embedders", default="minilm,minilm-int8", help="embedders to compare")
    ap.add_argument("--no-distractors", action="store_true", help="the repository's articles only")
    ap.add_argument("--postgres", action="store_true", help="measure on a PostgreSQL store (a server "
                    "started here): BM25 beside PostgreSQL's full-text search")
    args = ap.parse_args()
    suite = load_multihop()
    queries = [c for c in suite.cases if not c.refuse]
    extra = [] if args.no_distractors or not DISTRACTORS.is_file() else [DISTRACTORS]
    corpus = suite.corpus_paths() + extra
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(servers.postgres()) if args.postgres else None
        url = servers.new_database(server, "qa_retrieval") if server else None
        rows = [row for emb in args.embedders.split(",") for size in map(int, args.sizes.split(","))
                for row in run(size, emb, queries, corpus, url)]
    dense = {(r["embedder"], r["chunk_words"]): r["mrr@10"] for r in rows
             if r["config"].startswith("dense only")}
    what = "326 articles + 141 distractors from ../shared" if extra else "326 articles, no distractors"
    lines = [f"MultiHop-RAG dev: {len(queries)} non-null queries; corpus: {what}", "",
             "| embedder | chunk words | config | chunks | Hits@4 | Hits@10 | MRR@10 | MAP@10 | "
             "MRR vs dense | p50 ms | p95 ms | ingest s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['embedder']} | {r['chunk_words']} | {r['config']} | {r['chunks']} | "
                     f"{r['hits@4']:.3f} | {r['hits@10']:.3f} | {r['mrr@10']:.3f} | {r['map@10']:.3f} | "
                     f"{r['mrr@10'] / dense[(r['embedder'], r['chunk_words'])]:.2f}x | "
                     f"{r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['ingest_s']:.0f} |")
    print("\n".join(lines))
    if args.write:
        from qa.provenance import collect, write_block

        write_block(Path(args.write), " ".join(["python", "bench/retrieval.py", *sys.argv[1:]]),
                    "\n".join(lines), collect(Settings(), embedders=args.embedders, sizes=args.sizes))


if __name__ == "__main__":
    main()
