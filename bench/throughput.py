"""Throughput of whole qa deployments on this machine: questions a minute and latency, with 1 or
2 model slots and 1 or 2 qa processes (run by bench/scale.py --part throughput).

Every row is real processes: a PostgreSQL server and a Chroma server holding the users suite's
articles, `python app.py` processes (`qa serve`) over them, and the model either in each qa
process (the default, one slot a process) or in model servers (`python -m llama_cpp.server`,
one request at a time each: n servers are n slots), reached by QA_MODEL=openai/qwen and
QA_MODEL_API_BASE through litellm's Router (ROWS below). Each row asks the same distinct
questions (the users suite's report half, no follow-ups), `clients` at a time spread round-
robin over the qa processes, over /v1/ask; each process answers one warm-up question first
(litellm, the embedder), not timed.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import servers
from qa.config import Settings

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = "What is this library about?"


@contextlib.contextmanager
def qa_apps(folder: Path, n: int, env: dict[str, str]) -> Iterator[list[str]]:
    """n `python app.py` processes (the app and the API, as `qa serve`), each with its own
    data dir and these QA_* settings; yields their URLs."""
    procs, urls = [], []
    try:
        for i in range(n):
            port, log = servers.free_port(), folder / f"app{i}.log"
            (folder / f"app{i}").mkdir(parents=True, exist_ok=True)
            procs.append(subprocess.Popen(
                [sys.executable, "app.py"], cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
                env={**os.environ, **env, "QA_DATA_DIR": str(folder / f"app{i}"), "QA_PORT": str(port)}))
            urls.append(f"http://127.0.0.1:{port}/")
        for i, (proc, url) in enumerate(zip(procs, urls, strict=True)):
            servers.wait_for(url, proc, folder / f"app{i}.log", seconds=300)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)


def _ask(url: str, question: str) -> tuple[float, bool]:
    import httpx

    t = time.perf_counter()
    r = httpx.post(f"{url}v1/ask", json={"question": question}, timeout=3600)
    r.raise_for_status()
    return time.perf_counter() - t, bool(r.json()["refused"])


def run(urls: list[str], questions: list[str], clients: int) -> dict:
    """Ask every question once, `clients` at a time, round-robin over the processes."""
    with ThreadPoolExecutor(len(urls)) as pool:
        list(pool.map(lambda u: _ask(u, WARM_UP), urls))
    t = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        done = list(pool.map(lambda i: _ask(urls[i % len(urls)], questions[i]), range(len(questions))))
    wall = time.perf_counter() - t
    lat = sorted(s for s, _ in done)
    return {"per_min": 60 * len(questions) / wall, "p50": statistics.median(lat),
            "p95": lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))], "wall": wall,
            "refused": sum(r for _, r in done)}


# (model, slots, qa processes, threads a slot): the model in each qa process (the default: a
# process is a slot), or in model servers; two threads a slot is what a user starts, and on
# two cores two such slots oversubscribe them, so two slots of one thread each run too.
ROWS = [("in each qa process", 1, 1, 2), ("in each qa process", 2, 2, 2),
        ("model servers", 1, 1, 2), ("model servers", 1, 2, 2),
        ("model servers", 2, 1, 2), ("model servers", 2, 2, 2), ("model servers", 2, 2, 1)]


def measure(settings: Settings, gguf: Path, folder: Path, store_env: dict[str, str],
            questions: list[str], clients: int) -> list[dict]:
    rows = []
    for i, (model, slots, procs, threads) in enumerate(ROWS):
        with contextlib.ExitStack() as stack:
            if model == "in each qa process":
                env = {"QA_MODEL": settings.model, "QA_MODELS_DIR": str(settings.model_dir),
                       "QA_LLM_THREADS": str(threads)}
            else:
                api_base = stack.enter_context(servers.model_servers(gguf, slots, threads=threads))
                env = {"QA_MODEL": "openai/qwen", "QA_MODEL_API_BASE": api_base, "QA_LLM_TIMEOUT": "3600"}
            urls = stack.enter_context(qa_apps(folder / f"row{i}", procs, {**store_env, **env}))
            rows.append({"model": model, "slots": slots, "procs": procs, "threads": threads,
                         **run(urls, questions, clients)})
        print(rows[-1], flush=True)
    return rows


def table(rows: list[dict], n: int, clients: int) -> str:
    out = [f"{n} distinct questions (the users suite's report half), {clients} clients at a time "
           "over /v1/ask; one PostgreSQL store and one Chroma server under every row. Latency is "
           "a question's wait at its client, queueing included.", "",
           "| model | slots | qa processes | threads a slot | questions a minute | p50 s | p95 s | refused |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['model']} | {r['slots']} | {r['procs']} | {r['threads']} | {r['per_min']:.2f} | "
                   f"{r['p50']:.1f} | {r['p95']:.1f} | {r['refused']} of {n} |")
    return "\n".join(out)
