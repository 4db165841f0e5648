"""Real servers on 127.0.0.1 for the tests and benches: a PostgreSQL server (Debian's
`postgresql` package), a Chroma server (`chroma run`, from the chromadb package) and model
servers (`python -m llama_cpp.server`, from llama-cpp-python[server]), each in a temporary
folder of its own and stopped when the block ends."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

__all__ = ["chroma", "free_port", "model_servers", "served_calls", "new_database", "postgres", "wait_for"]

BIN = Path(sys.executable).parent


_LOGS: dict[str, Path] = {}  # a model server's URL -> its log


class Missing(RuntimeError):
    """A server program that is not installed."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, log: Path, seconds: float = 180) -> None:
    t = time.time()
    while time.time() - t < seconds:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}") from None
            time.sleep(0.5)
    raise TimeoutError(f"{url}: {log.read_text()[-2000:]}")


@contextlib.contextmanager
def chroma(folder: Path) -> Iterator[str]:
    """http://127.0.0.1:PORT of `chroma run` over folder/db."""
    exe = shutil.which("chroma", path=str(BIN)) or shutil.which("chroma")
    if not exe:
        raise Missing("the chroma CLI is not installed (it comes with chromadb: make setup)")
    port, log = free_port(), folder / "chroma.log"
    proc = subprocess.Popen([exe, "run", "--path", str(folder / "db"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/api/v2/heartbeat", proc, log)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextlib.contextmanager
def model_servers(gguf: Path, n: int = 1, *, threads: int = 2, context: int = 4096,
                  alias: str = "qwen") -> Iterator[str]:
    """QA_MODEL_API_BASE for n llama-cpp-python servers of one GGUF (comma-separated
    http://127.0.0.1:PORT/v1), each answering one request at a time with `threads` threads:
    n servers are n parallel slots. QA_MODEL=openai/<alias> reaches them."""
    folder = Path(tempfile.mkdtemp(prefix="qa-llm-"))
    procs, urls = [], []
    env = {**os.environ, "OMP_WAIT_POLICY": "passive"}
    try:
        for i in range(n):
            port, log = free_port(), folder / f"server{i}.log"
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", alias,
                 "--n_ctx", str(context), "--n_threads", str(threads), "--n_threads_batch", str(threads),
                 "--seed", "0", "--host", "127.0.0.1", "--port", str(port),
                 # its default ends a streamed answer when another request arrives; queue instead
                 "--interrupt_requests", "False"],
                stdout=log.open("w"), stderr=subprocess.STDOUT, env=env))
            urls.append(f"http://127.0.0.1:{port}/v1")
            _LOGS[urls[-1]] = log
        for proc, url, i in zip(procs, urls, range(n), strict=True):
            wait_for(f"{url}/models", proc, folder / f"server{i}.log")
        yield ",".join(urls)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def served_calls(api_base: str) -> list[int]:
    """How many chat completions each server of model_servers(...) has answered so far, read
    from its access log, in the order of api_base."""
    return [_LOGS[u].read_text(errors="ignore").count("POST /v1/chat/completions")
            for u in api_base.split(",")]


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                                                   reverse=True)), None)
    if not found:
        raise Missing(f"PostgreSQL's {name} is not installed: apt-get install postgresql "
                      "(.ci/run does)")
    return found


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """postgresql://qa@127.0.0.1:PORT of a server of its own (trust on loopback, no fsync).
    PostgreSQL refuses to run as root, so under root it runs as the `postgres` user."""
    root = os.geteuid() == 0
    as_pg = ["runuser", "-u", "postgres", "--"] if root else []
    d = Path(tempfile.mkdtemp(prefix="qa-pg-"))
    d.chmod(0o755)
    if root:
        shutil.chown(d, "postgres", "postgres")
    data, log, port = d / "data", d / "server.log", free_port()
    ctl = _pg_bin("pg_ctl")
    try:
        subprocess.run([*as_pg, _pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "qa", "-E",
                        "UTF8", "--locale=C", "--no-sync"], check=True, capture_output=True)
        subprocess.run([*as_pg, ctl, "-D", str(data), "-l", str(log), "-w", "-o",
                        f"-p {port} -h 127.0.0.1 -k {d} -F", "start"], check=True, capture_output=True)
        yield f"postgresql://qa@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_pg, ctl, "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


def new_database(server: str, name: str) -> str:
    """A new, empty database `name` on the server, as a QA_STORE_URL."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"
