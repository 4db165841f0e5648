"""Retrieval on MultiHop-RAG dev: Hits@4, Hits@10, MRR@10, MAP@10.

    python bench/retrieval.py [--no-distractors] [--write docs/retrieval.md]

The corpus is the 326 MultiHop-RAG articles in the repository, plus the 141 off-topic
distractors of ../shared/data/multihop-rag-dev/ when that folder is there (they carry no
licence, so they are not in the repository); the table's first line says which.

Every configuration but the last groups copies of one text (qa/index/copies.py: one passage per
copy group); the last is the production configuration without that grouping.

Dataset definitions: null queries skipped; a retrieved chunk is relevant if it contains a
gold evidence fact. Each configuration is measured on its own store (built once, cached in
.qa/bench/), in one run, with the same queries. Latency is per query: embedding + search +
fusion (+ rerank), measured in-process.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DISTRACTORS = ROOT.parent / "shared" / "data" / "multihop-rag-dev" / "distractors.jsonl"

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


def run(chunk_words: int, embedder: str, queries, corpus) -> list[dict]:
    settings = Settings(data_dir=ROOT / ".qa" / "bench" / f"mh-{chunk_words}-{len(corpus)}",
                        chunking={"target_words": chunk_words}, embedder=embedder)
    store = Store(settings)
    t = time.perf_counter()
    store.sync()  # index what an earlier run stored under another embedder or chunking
    ingest(corpus, store)
    ingest_s = time.perf_counter() - t
    out = []
    ungrouped = Store(settings.model_copy(update={"stories": settings.stories.model_copy(
        update={"copies": False})}))
    for label, mode, extra in MODES:
        extra = dict(extra)
        on = ungrouped if extra.pop("copies", True) is False else store
        r = settings.retrieval.model_copy(update=extra)
        rels, lat = [], []
        search(on, "warm up", r, k=10, mode=mode)
        for case in queries:
            t = time.perf_counter()
            hits = search(on, case.question, r, k=10, mode=mode)
            lat.append(time.perf_counter() - t)
            rels.append((m.retrieval_ranks([h.text for h in hits], case.gold_facts),
                         len(case.gold_facts)))
        out.append({"chunk_words": chunk_words, "config": label, "embedder": embedder,
                    "chunks": store.counts()["chunks"],
                    "hits@4": m.rate([m.hits_at(r_, 4) for r_, _ in rels]),
                    "hits@10": m.rate([m.hits_at(r_, 10) for r_, _ in rels]),
                    "mrr@10": m.rate([m.mrr_at(r_) for r_, _ in rels]),
                    "map@10": m.rate([m.map_at(r_, n) for r_, n in rels]),
                    "p50_ms": 1000 * m.percentile(lat, 50), "p95_ms": 1000 * m.percentile(lat, 95),
                    "ingest_s": ingest_s})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", help="write the markdown table to this file")
    ap.add_argument("--sizes", default="120,60", help="chunk sizes (words) to compare")
    ap.add_argument("--embedders", default="minilm,minilm-int8", help="embedders to compare")
    ap.add_argument("--no-distractors", action="store_true", help="the repository's articles only")
    args = ap.parse_args()
    suite = load_multihop()
    queries = [c for c in suite.cases if not c.refuse]
    extra = [] if args.no_distractors or not DISTRACTORS.is_file() else [DISTRACTORS]
    corpus = suite.corpus_paths() + extra
    rows = [row for emb in args.embedders.split(",") for size in map(int, args.sizes.split(","))
            for row in run(size, emb, queries, corpus)]
    dense = {(r["embedder"], r["chunk_words"]): r["mrr@10"] for r in rows if r["config"] == "dense only"}
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
