"""Performance against the limits, measured in one run, printed as figures and ratios.

    python bench/performance.py [--sizes 10000,100000] [--write docs/performance.md]

- start-up: `qa --help` and `qa list` wall time (no torch/litellm/gradio import);
- ingest: chunks/s through the whole pipeline vs the embedder alone on the same texts;
- retrieval: p50/p95 of query embedding + dense + BM25 + fusion at N synthetic chunks
  (dev-corpus sentences recombined; vectors are real embeddings of real chunks, jittered),
  without and with filters;
- app: `python app.py` to the first page served, first start (ingests seeds/) and second;
- generation: tokens/s of the local model inside qa (through litellm) vs llama-cpp-python
  alone on the same prompt, both streamed and counted after the first token; the time to
  the first token of each, and of `qa ask` (retrieval + gate + prompt) warm;
- memory: peak RSS of a fresh process that opens a store of N chunks and searches it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "qa" / "evals" / "data" / "multihop-rag"  # in the repository (ODC-BY)

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


def ingest_ratio(lines: list[str], tmp: Path, embedder: str) -> None:
    from qa.index.chunking import chunk_article
    from qa.index.embed import embed_batch
    from qa.index.store import Store
    from qa.ingest.add import ingest

    settings = Settings(data_dir=tmp / f"ingest-{embedder}", embedder=embedder)
    files = [DATA / "articles.jsonl"]
    rows = [json.loads(x) for f in files for x in f.open()]
    texts = [c.text for r in rows for c in chunk_article("x", r["text"].strip(), settings.chunking)]
    embed_batch(texts[:64], embedder=embedder)  # load the model
    t = time.perf_counter()
    embed_batch(texts, settings.embed_batch_size, embedder)
    alone = len(texts) / (time.perf_counter() - t)
    store = Store(settings)
    t = time.perf_counter()
    rep = ingest(files, store)
    pipeline = rep.chunks / (time.perf_counter() - t)
    lines.append(f"| ingest, whole pipeline, {embedder} ({rep.chunks} chunks) | {pipeline:.0f} chunks/s | "
                 f"embedder alone {alone:.0f} chunks/s; ratio {pipeline / alone:.2f} (target >= 0.9) |")


def build_synthetic(store, n: int, per_article: int = 10, batch: int = 500) -> None:
    """n chunks in n/per_article synthetic articles: sentences of the dev corpus recombined,
    vectors = real embeddings of real sentences plus a little noise; 37 outlets, 2023 dates.
    Written in batches straight to Chroma and SQLite (the ingest pipeline is measured apart)."""
    from qa.index.chunking import content_hash
    from qa.index.embed import embed_batch

    rows = [json.loads(x) for x in (DATA / "articles.jsonl").open()]
    sents = [s.strip() for r in rows for s in r["text"].split("\n") if s.strip()]
    base = embed_batch(sents[:2000], embedder=store.settings.embedder)
    rng = random.Random(0)
    nprng = np.random.default_rng(0)
    sources = sorted({r["source"] for r in rows})
    for b0 in range(0, n // per_article, batch):
        ids, vecs, metas, arts, chunk_rows = [], [], [], [], []
        for a in range(b0, min(b0 + batch, n // per_article)):
            chunks = [" ".join(rng.sample(sents, 3)) for _ in range(per_article)]
            text = "\n\n".join(chunks)
            aid = content_hash(str(a), text)
            day = f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            src = rng.choice(sources)
            spans, pos = [], 0
            for c in chunks:
                spans.append((pos, pos + len(c)))
                pos += len(c) + 2
            v = base[nprng.integers(0, len(base), per_article)] + nprng.normal(0, 0.02, (per_article, 384))
            vecs.append((v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32))
            ids += [f"{aid}:{s}-{e}" for s, e in spans]
            metas += [{"article_id": aid, "source": src, "category": "", "start": s, "end": e,
                       "published": int(day.replace("-", ""))} for s, e in spans]
            arts.append((aid, aid, f"Synthetic {a}", src, "", "", day, "", text, "bench"))
            chunk_rows += [(f"{aid}:{s}-{e}", store.key, aid, i, s, e) for i, (s, e) in enumerate(spans)]
        for i in range(0, len(ids), 5000):
            store.chroma.collection.upsert(ids=ids[i:i + 5000], embeddings=np.vstack(vecs)[i:i + 5000],
                                    metadatas=metas[i:i + 5000])
        with store.db.tx():
            store.db.executemany(
                "INSERT INTO articles (id, key, title, source, author, category, published_at, url, "
                "text, added_at) VALUES (?,?,?,?,?,?,?,?,?,?)", arts)
            store.db.executemany(
                'INSERT INTO chunks (id, index_key, article_id, idx, start, "end") VALUES (?,?,?,?,?,?)',
                chunk_rows)


def retrieval_at(n: int, embedder: str, lines: list[str], tmp: Path) -> None:
    """Build the store in one child process, then measure in a fresh one: its peak RSS is
    that of a qa process searching a store of n chunks."""
    data = tmp / f"ret{n}-{embedder}"
    for step in ("build", "search"):
        out = subprocess.run([sys.executable, __file__, "--child", step, str(n), embedder, str(data)],
                             capture_output=True, text=True, check=True, cwd=ROOT)
        lines += json.loads(out.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM; ru_maxrss would carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(step: str, n: int, embedder: str, data: Path) -> list[str]:
    from qa.index.retrieve import Filters, search
    from qa.index.store import Store

    settings = Settings(data_dir=data, embedder=embedder)
    store = Store(settings)
    if step == "build":
        t = time.perf_counter()
        build_synthetic(store, n)
        return [f"| synthetic store of {n:,} chunks | built in {time.perf_counter() - t:.0f} s | |"]
    queries = [json.loads(x)["query"] for x in (DATA / "queries.jsonl").open()][:150]
    t = time.perf_counter()
    search(store, "warm up", settings.retrieval)  # loads the embedder, BM25 index and catalogue
    first = time.perf_counter() - t
    source = sorted(store.catalog().sources)[0]
    lines = []
    for label, f in (("no filter", None), ("source", Filters(source=source)),
                     ("source + dates", Filters(source=source, since="2023-03-01", until="2023-09-30")),
                     ("dates (7 of 12 months)", Filters(since="2023-03-01", until="2023-09-30"))):
        lat = []
        for q in queries:
            t = time.perf_counter()
            search(store, q, settings.retrieval, filters=f)
            lat.append(1000 * (time.perf_counter() - t))
        lines.append(f"| retrieval at {n:,} chunks, {embedder}, {label} | p50 {percentile(lat, 50):.0f} ms, "
                     f"p95 {percentile(lat, 95):.0f} ms | target p95 <= 50 ms at 100k |")
    rss = peak_rss_mb()
    lines.append(f"| peak RSS of a process searching {n:,} chunks ({embedder}) | {rss:.0f} MB | first "
                 f"search (model, BM25 index, catalogue) {first:.1f} s |")
    return lines + growth(store, n, queries, percentile(lat, 95))


def growth(store, n: int, queries: list[str], p95: float) -> list[str]:
    """Add 100 articles (chunked, embedded, committed), then time the first search after it
    (the BM25 index and catalogue catch up from the change log) and the next 50; then a full
    rebuild, what the first search after a change cost before, and whether its results equal
    the incremental index's."""
    import random

    from qa.index import lexicon
    from qa.index.chunking import content_hash
    from qa.index.retrieve import search
    from qa.models import Article

    rng = random.Random(7)
    sents = [t.strip() for a in (DATA / "articles.jsonl").open() for t in json.loads(a)["text"].split(". ")
             if len(t.split()) > 6][:3000]
    new = []
    for i in range(100):
        text = ". ".join(rng.sample(sents, 12)) + "."
        new.append(Article(id=content_hash(f"grow{i}", text), key=f"grow/{i}", title=f"New article {i}",
                           text=text, source="Growth Wire", published_at="2023-12-01"))
    t = time.perf_counter()
    store.add_articles(new)
    added = time.perf_counter() - t
    t = time.perf_counter()
    search(store, queries[0], store.settings.retrieval)
    first = 1000 * (time.perf_counter() - t)
    lat = []
    for q in queries[1:51]:
        t = time.perf_counter()
        search(store, q, store.settings.retrieval)
        lat.append(1000 * (time.perf_counter() - t))
    incremental = [store.bm25_search(q, 20) for q in queries[:30]]
    t = time.perf_counter()
    store._lexicon = lexicon._rebuild(store)
    rebuild = time.perf_counter() - t
    same = incremental == [store.bm25_search(q, 20) for q in queries[:30]]
    return [f"| add 100 articles to {n:,} chunks (chunk, embed, commit) | {added:.1f} s | |",
            f"| first search after adding them, at {n:,} chunks | {first:.0f} ms ({first / p95:.2f}x the "
            f"normal p95) | target <= 2x the normal p95 |",
            f"| next 50 searches after adding them | p95 {percentile(lat, 95):.0f} ms | |",
            f"| full BM25 + catalogue rebuild at {store.counts()['chunks']:,} chunks (what the first "
            f"search after a change cost before) | {rebuild:.1f} s | results equal the incremental "
            f"index's: {'yes' if same else 'NO'} |"]


def stream_rate(chunks) -> tuple[float, float, int]:
    """(seconds to the first token, tokens/s after it, tokens) of a token stream."""
    t = time.perf_counter()
    first, n = 0.0, 0
    for _ in chunks:
        n += 1
        if n == 1:
            first = time.perf_counter()
    end = time.perf_counter()
    return first - t, (n - 1) / max(end - first, 1e-9), n


def generation(lines: list[str]) -> None:
    from qa.answer.ask import ask
    from qa.ingest.add import open_store
    from qa.llm import _load_llama, complete
    from qa.localmodel import model_path

    settings = Settings()
    path = model_path("qwen2.5-coder-1.5b", settings.model_dir)
    msg = [{"role": "user", "content": "Write five sentences about the history of London."}]
    llama = _load_llama(str(path), settings.llm_context, settings.llm_threads, settings.seed)

    def alone():
        for c in llama.create_chat_completion(messages=msg, max_tokens=128, temperature=0, seed=0,
                                              stream=True):
            if c["choices"][0]["delta"].get("content"):
                yield c

    list(alone())  # the same warm prompt cache for both,
    list(complete(settings, msg, max_tokens=128, stream=True))  # and litellm imported (5-9 s) before timing
    runs = [(stream_rate(alone()), stream_rate(complete(settings, msg, max_tokens=128, stream=True)))
            for _ in range(5)]  # interleaved; medians
    (ttft_a, rate_a, n_a), (ttft_q, rate_q, n_q) = (
        tuple(sorted(x[i][j] for x in runs)[2] for j in range(3)) for i in range(2))
    lines.append(f"| generation inside qa (litellm, streamed) | {rate_q:.1f} tokens/s after the first "
                 f"token ({n_q} tokens; median of 5) | llama-cpp-python alone {rate_a:.1f} tokens/s "
                 f"({n_a} tokens); ratio {rate_q / rate_a:.2f} (target >= 0.9) |")
    lines.append(f"| first token, same warm prompt | {ttft_q:.2f} s inside qa | {ttft_a:.2f} s alone |")
    with tempfile.TemporaryDirectory() as d:
        s = Settings(data_dir=Path(d), models_dir=settings.model_dir)
        store = open_store(s)
        q = "How many arrests has the Met made using live facial recognition?"
        firsts = [first_token(lambda cb: ask(q, s, store, on_sentence=cb)) for _ in range(3)]
    lines.append(f"| `qa ask` warm, time to the first shown (checked) sentence | {firsts[-1]:.2f} s "
                 f"(cold {firsts[0]:.2f} s) | retrieval, evidence, gate, prompt, first sentence |")


def first_token(run) -> float:
    """Seconds from the call to the first piece (token or checked sentence) it hands its callback."""
    t = time.perf_counter()
    got: list[float] = []
    run(lambda _tok: got.append(time.perf_counter() - t) if not got else None)
    return got[0] if got else float("nan")


def app_start(lines: list[str], tmp: Path) -> None:
    """`python app.py` to the first page served: on an empty data dir (ingests seeds/) and again."""
    import socket
    import urllib.request

    for label in ("first start (ingests seeds/)", "second start"):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "QA_DATA_DIR": str(tmp / "app"), "QA_PORT": str(port)}
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                    break
                except OSError:
                    time.sleep(0.1)
            lines.append(f"| app start to first page, {label} | {time.perf_counter() - t:.1f} s | |")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000", help="retrieval sizes, e.g. 10000,100000")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: startup,ingest,"
                    "retrieval,app,generation")
    ap.add_argument("--embedders", default="minilm,minilm-int8", help="query embedders for retrieval")
    ap.add_argument("--write", help="write the markdown table here")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        step, n, embedder, data = args.child
        print(json.dumps(child(step, int(n), embedder, Path(data))))
        return
    tmp = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    skip = set(args.skip.split(","))
    lines = ["| what | figure | against |", "|---|---|---|"]
    if "startup" not in skip:
        startup(lines, tmp)
    if "ingest" not in skip:
        for embedder in args.embedders.split(","):
            ingest_ratio(lines, tmp, embedder)
    if "retrieval" not in skip:
        for n in map(int, args.sizes.split(",")):
            for embedder in args.embedders.split(","):
                retrieval_at(n, embedder, lines, tmp)
    if "app" not in skip:
        app_start(lines, tmp)
    if "generation" not in skip:
        generation(lines)
    print("\n".join(lines))
    if args.write:
        from qa.provenance import collect, write_block

        write_block(Path(args.write), " ".join(["python", "bench/performance.py", *sys.argv[1:]]),
                    "\n".join(lines), collect(Settings(), embedders=args.embedders))


if __name__ == "__main__":
    main()
