"""Several qa processes over one library: the shared store beside the embedded one, the
throughput of whole deployments, and retrieval at archive sizes.

    python bench/scale.py [--articles 326] [--queries 100] [--write docs/deploy.md]
    python bench/scale.py --part throughput [--questions 12] [--clients 4] [--write docs/scale.md]
    python bench/scale.py --part size [--sizes 100000,1000000] [--write docs/scale.md]

`--part throughput` and `--part size`: see bench/throughput.py and bench/size.py.

`--part store` (the default) starts a PostgreSQL server and a Chroma server on 127.0.0.1
(bench/servers.py), then for the embedded store (SQLite + embedded Chroma) and the shared
one (PostgreSQL + Chroma server):
- ingest: the MultiHop-RAG articles in the repository, in seconds;
- search: hybrid search over them for the MultiHop dev queries, p50/p95 ms, as one process
  searching a store it has loaded;
- seen by another: a second store object on the same database (its own connection, its own
  in-memory BM25 index, as a second process has) and, 20 times, one new article added by
  the first: whether the second's very next search finds it, and that search's p50/p95 ms
  (it first applies the shared change log: the cost of staying in step).
Two store objects in one process stand for two processes here: each has its own connection
and index, which is all that two processes would not share. tests/test_store_postgres.py
runs two real `qa serve` processes for the same behaviour.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import servers  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.evals.cases import MULTIHOP_DIR, load_multihop  # noqa: E402
from qa.index.retrieve import search  # noqa: E402
from qa.index.store import Store  # noqa: E402
from qa.ingest.add import ingest  # noqa: E402
from qa.models import Article  # noqa: E402

NEW = 20  # articles added by one store and searched for by the other


def _ms(values: list[float], q: int) -> float:
    values = sorted(values)
    return 1000 * values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def _new(i: int) -> Article:
    town = f"Zorbel{i:02d}vik"
    return Article(id=f"scale-{uuid.uuid4().hex[:8]}", key=f"scale-{i}-{uuid.uuid4().hex}",
                   title=f"Flood in {town}", source="Bench Gazette", published_at="2025-08-02",
                   text=f"The river at {town} rose by {i + 2} metres after the storm. "
                        f"Residents of {town} were moved to the school.")


def measure(label: str, settings: Settings, corpus: Path, queries: list[str]) -> dict:
    store = Store(settings)
    t = time.perf_counter()
    ingest([corpus], store)
    ingest_s = time.perf_counter() - t
    r = settings.retrieval
    search(store, "warm up", r, k=10)
    lat = []
    for q in queries:
        t = time.perf_counter()
        search(store, q, r, k=10)
        lat.append(time.perf_counter() - t)
    other = Store(settings)
    search(other, "warm up", r, k=10)  # the other has loaded its index before the adds
    seen, next_lat = 0, []
    for i in range(NEW):
        a = _new(i)
        store.add_article(a)
        t = time.perf_counter()
        hits = search(other, f"How far did the river at Zorbel{i:02d}vik rise?", r, k=3, mode="bm25")
        next_lat.append(time.perf_counter() - t)
        seen += any(h.article_id == a.id for h in hits)
    return {"store": label, "articles": store.counts()["articles"], "chunks": store.counts()["chunks"],
            "ingest_s": ingest_s, "p50": _ms(lat, 50), "p95": _ms(lat, 95), "seen": seen,
            "next_p50": _ms(next_lat, 50), "next_p95": _ms(next_lat, 95)}


def table(rows: list[dict], n_queries: int) -> str:
    out = [f"Search: hybrid, k=10, {n_queries} MultiHop-RAG dev queries. Seen by another: {NEW} "
           "articles, each added by one store object and searched for (BM25) by a second one on "
           "the same database at its very next search.", "",
           "| store | articles | chunks | ingest s | search p50 ms | search p95 ms | seen by another "
           "at its next search | that search p50 ms | p95 ms |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['store']} | {r['articles']} | {r['chunks']} | {r['ingest_s']:.1f} | "
                   f"{r['p50']:.1f} | {r['p95']:.1f} | {r['seen']} of {NEW} | {r['next_p50']:.1f} | "
                   f"{r['next_p95']:.1f} |")
    return "\n".join(out)


def store_part(args, d: Path) -> tuple[str, Settings, dict]:
    queries = [c.question for c in load_multihop().cases][:args.queries]
    lines = (MULTIHOP_DIR / "articles.jsonl").read_text().splitlines()[:args.articles]
    corpus = d / "articles.jsonl"
    corpus.write_text("\n".join(lines) + "\n")
    base = Settings(data_dir=d / "embedded")
    rows = [measure("embedded: SQLite + Chroma on disk", base, corpus, queries)]
    with servers.postgres() as pg, servers.chroma(d) as chroma_url:
        url = servers.new_database(pg, "qa_scale")
        shared = base.model_copy(update={"data_dir": d / "shared", "store_url": url,
                                         "chroma_url": chroma_url})
        rows.append(measure("shared: PostgreSQL + Chroma server", shared, corpus, queries))
    return table(rows, len(queries)), base, {"articles": args.articles, "queries": len(queries)}


def throughput_part(args, d: Path) -> tuple[str, Settings, dict]:
    from bench import throughput
    from qa.evals.cases import load_suite
    from qa.index.store import Store
    from qa.ingest.add import ingest
    from qa.localmodel import model_path

    suite = load_suite("users")
    questions = [c.question for c in suite.cases if c.split == "report" and not c.history][:args.questions]
    base = Settings(data_dir=d / "loader")
    prov = {"questions": len(questions), "clients": args.clients}
    # the rates first, on an idle machine; the local model leaves this process before the rows run
    from qa.provenance import collect

    provenance = collect(base, **prov)
    with servers.postgres() as pg, servers.chroma(d) as chroma_url:
        env = {"QA_STORE_URL": servers.new_database(pg, "qa_throughput"), "QA_CHROMA_URL": chroma_url}
        ingest(suite.corpus_paths(), Store(base.model_copy(update={"store_url": env["QA_STORE_URL"],
                                                                    "chroma_url": chroma_url})))
        gguf = model_path(base.model.split("/", 1)[1], base.model_dir)
        rows = throughput.measure(base, gguf, d, env, questions, args.clients)
    return throughput.table(rows, len(questions), args.clients), base, {"provenance": provenance}


def size_part(args, d: Path) -> tuple[str, Settings, dict]:
    from bench import size

    sizes = [int(x) for x in args.sizes.split(",")]
    rows = size.measure_sizes(sizes, d, args.queries, args.fulltext_upto, not args.shared_only)
    return size.table(rows, args.queries), Settings(), {"sizes": args.sizes, "queries": args.queries,
                                                        "fulltext_upto": args.fulltext_upto,
                                                        "shared_only": args.shared_only}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["store", "throughput", "size"], default="store",
                    help="store: the shared store beside the embedded one at the corpus's size; "
                    "throughput: questions a minute with 1/2 model slots and 1/2 qa processes "
                    "(bench/throughput.py); size: retrieval at --sizes chunks (bench/size.py)")
    ap.add_argument("--articles", type=int, default=326, help="store: MultiHop-RAG articles to ingest")
    ap.add_argument("--queries", type=int, default=100, help="store, size: MultiHop-RAG dev queries")
    ap.add_argument("--questions", type=int, default=12, help="throughput: distinct questions a row")
    ap.add_argument("--clients", type=int, default=4, help="throughput: clients asking at once")
    ap.add_argument("--sizes", default="100000", help="size: chunks, comma-separated")
    ap.add_argument("--fulltext-upto", type=int, default=100_000,
                    help="size: measure PostgreSQL full-text ranking up to this many chunks")
    ap.add_argument("--shared-only", action="store_true",
                    help="size: leave the embedded store out (docs/performance.md measures it)")
    ap.add_argument("--write", help="write the table into this markdown file")
    args = ap.parse_args()
    part = {"store": store_part, "throughput": throughput_part, "size": size_part}[args.part]
    with tempfile.TemporaryDirectory(prefix="qa-scale-") as tmp:
        body, settings, extra = part(args, Path(tmp))
    print(body)
    if args.write:
        from qa.provenance import collect, write_block

        provenance = extra.pop("provenance", None) or collect(settings, **extra)
        write_block(Path(args.write), " ".join(["python", "bench/scale.py", *sys.argv[1:]]), body, provenance)


if __name__ == "__main__":
    main()
