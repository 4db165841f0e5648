"""Performance against the limits, measured in one run, printed as figures and ratios.

    python bench/performance.py [--sizes 10000,100000] [--write docs/performance.md]

- start-up: `qa --help` and `qa list` wall time (no torch/litellm/gradio import);
- ingest: chunks/s through the whole pipeline vs the embedder alone on the same texts;
- retrieval: p50/p95 of query embedding + dense + BM25 + fusion at N synthetic chunks
  (dev-corpus sentences recombined; vectors are real embeddings of real chunks, jittered),
  without and with filters;
- generation: tokens/s of the local model inside qa (through litellm) vs llama-cpp-python
  alone on the same prompt, and time to first token;
- memory: RSS after the largest retrieval size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data" / "multihop-rag-dev"

from qa.config import Settings  # noqa: E402
from qa.evals.metrics import percentile  # noqa: E402


def timed(cmd: list[str], env: dict) -> float:
    best = 1e9
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True, cwd=ROOT)
        best = min(best, time.perf_counter() - t)
    return best


def startup(lines: list[str], tmp: Path) -> None:
    env = {**os.environ, "QA_DATA_DIR": str(tmp / "startup")}
    qa = str(Path(sys.executable).parent / "qa")
    lines.append(f"| `qa --help` | {timed([qa, '--help'], env):.2f} s | target < 0.5 s |")
    lines.append(f"| `qa list` | {timed([qa, 'list'], env):.2f} s | target < 0.5 s |")


def ingest_ratio(lines: list[str], tmp: Path) -> None:
    from qa.chunking import chunk_article
    from qa.embed import embed_batch, get_model
    from qa.ingest import ingest
    from qa.store import Store

    settings = Settings(data_dir=tmp / "ingest")
    rows = [json.loads(x) for x in (SHARED / "articles.jsonl").open()]
    texts = [c.text for r in rows for c in chunk_article("x", r["text"].strip(), settings.chunking)]
    get_model()
    embed_batch(texts[:64])
    t = time.perf_counter()
    embed_batch(texts, settings.embed_batch_size)
    alone = len(texts) / (time.perf_counter() - t)
    store = Store(settings)
    t = time.perf_counter()
    rep = ingest([SHARED / "articles.jsonl"], store)
    pipeline = rep.chunks / (time.perf_counter() - t)
    lines.append(f"| ingest, whole pipeline | {pipeline:.0f} chunks/s | embedder alone "
                 f"{alone:.0f} chunks/s; ratio {pipeline / alone:.2f} (target >= 0.9) |")


def retrieval_at(n: int, lines: list[str], tmp: Path) -> None:
    from qa.chunking import content_hash
    from qa.embed import embed_batch
    from qa.retrieve import Filters, search
    from qa.store import Store

    settings = Settings(data_dir=tmp / f"ret{n}")
    store = Store(settings)
    rows = [json.loads(x) for x in (SHARED / "articles.jsonl").open()]
    sents = [s.strip() for r in rows for s in r["text"].split("\n") if s.strip()]
    base = embed_batch(sents[:2000])
    rng = random.Random(0)
    nprng = np.random.default_rng(0)
    sources = sorted({r["source"] for r in rows})
    per_article = 10
    t = time.perf_counter()
    for a in range(n // per_article):
        chunks = [" ".join(rng.sample(sents, 3)) for _ in range(per_article)]
        text = "\n\n".join(chunks)
        aid = content_hash(str(a), text)
        day = f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        src = rng.choice(sources)
        spans, pos = [], 0
        for c in chunks:
            spans.append((pos, pos + len(c)))
            pos += len(c) + 2
        vecs = base[nprng.integers(0, len(base), per_article)] + nprng.normal(0, 0.02, (per_article, 384))
        vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
        store.collection.upsert(
            ids=[f"{aid}:{s}-{e}" for s, e in spans], embeddings=vecs,
            metadatas=[{"article_id": aid, "source": src, "category": "", "start": s, "end": e,
                        "published": int(day.replace("-", ""))} for s, e in spans])
        with store.db:
            store.db.execute(
                "INSERT INTO articles (id, key, title, source, author, category, published_at, url, "
                "text, added_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (aid, aid, f"Synthetic {a}", src, "", "", day, "", text, "bench"))
            store.db.executemany(
                'INSERT INTO chunks (id, index_key, article_id, idx, start, "end") VALUES (?,?,?,?,?,?)',
                [(f"{aid}:{s}-{e}", store.key, aid, i, s, e) for i, (s, e) in enumerate(spans)])
            store._bump_generation()
    build = time.perf_counter() - t
    queries = [json.loads(x)["query"] for x in (SHARED / "queries.jsonl").open()][:60]
    search(store, "warm up", settings.retrieval)  # builds BM25 once
    for label, f in (("no filter", None), ("source", Filters(source=sources[0])),
                     ("source + dates", Filters(source=sources[0], since="2023-03-01",
                                                until="2023-09-30"))):
        lat = []
        for q in queries:
            t = time.perf_counter()
            search(store, q, settings.retrieval, filters=f)
            lat.append(1000 * (time.perf_counter() - t))
        lines.append(f"| retrieval at {n:,} chunks, {label} | p50 {percentile(lat, 50):.0f} ms, "
                     f"p95 {percentile(lat, 95):.0f} ms | target p95 <= 50 ms at 100k; "
                     f"store built in {build:.0f} s |")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"| peak RSS after {n:,} chunks | {rss:.0f} MB | |")


def generation(lines: list[str]) -> None:
    from qa.llm import _load_llama, complete
    from qa.localmodel import model_path

    settings = Settings()
    path = model_path("qwen2.5-coder-1.5b", settings.model_dir)
    msg = [{"role": "user", "content": "Write three sentences about the history of London."}]
    llama = _load_llama(str(path), settings.llm_context, settings.llm_threads, settings.seed)
    llama.create_chat_completion(messages=msg, max_tokens=8, temperature=0)  # warm
    t = time.perf_counter()
    out = llama.create_chat_completion(messages=msg, max_tokens=128, temperature=0, seed=0)
    raw = out["usage"]["completion_tokens"] / (time.perf_counter() - t)
    t = time.perf_counter()
    first = None
    n = 0
    for _ in complete(settings, msg, max_tokens=128, stream=True):
        first = first or time.perf_counter() - t
        n += 1
    inside = n / (time.perf_counter() - t)
    lines.append(f"| generation inside qa (litellm, streamed) | {inside:.1f} tokens/s | llama-cpp-python "
                 f"alone {raw:.1f} tokens/s; ratio {inside / raw:.2f} (target >= 0.9); "
                 f"first token {first:.2f} s (prompt cached) |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000", help="retrieval sizes, e.g. 10000,100000")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: startup,ingest,"
                    "retrieval,generation")
    ap.add_argument("--write", help="write the markdown table here")
    args = ap.parse_args()
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    skip = set(args.skip.split(","))
    lines = ["| what | figure | against |", "|---|---|---|"]
    if "startup" not in skip:
        startup(lines, tmp)
    if "ingest" not in skip:
        ingest_ratio(lines, tmp)
    if "retrieval" not in skip:
        for n in map(int, args.sizes.split(",")):
            retrieval_at(n, lines, tmp)
    if "generation" not in skip:
        generation(lines)
    print("\n".join(lines))
    if args.write:
        Path(args.write).write_text("# Performance\n\nRegenerate: `.venv/bin/python bench/performance.py "
                                    f"--sizes {args.sizes} --write {args.write}`\n\n"
                                    + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
