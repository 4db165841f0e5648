"""Real servers started by the tests on 127.0.0.1: a Chroma server (`chroma run`) and a
PostgreSQL server (Debian's `postgresql` package; .ci/run installs it). Not mocks: each is
the program a deployment runs, in a temporary folder, stopped when the tests end."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from .conftest import free_port

BIN = Path(sys.executable).parent


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


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    exe = shutil.which("chroma", path=str(BIN)) or shutil.which("chroma")
    if not exe:
        pytest.fail("the chroma CLI is not installed (it comes with chromadb: make setup)")
    port = free_port()
    d = tmp_path_factory.mktemp("chroma")
    log = d / "server.log"
    proc = subprocess.Popen([exe, "run", "--path", str(d / "db"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/api/v2/heartbeat", proc, log)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                                                   reverse=True)), None)
    if not found:
        pytest.fail(f"PostgreSQL's {name} is not installed: apt-get install postgresql (.ci/run does)")
    return found


@pytest.fixture(scope="session")
def postgres_server():
    """postgresql://qa@127.0.0.1:PORT of a server of its own (trust on loopback, no fsync).
    PostgreSQL refuses to run as root, so under root it runs as the `postgres` user."""
    root = os.geteuid() == 0
    as_pg = ["runuser", "-u", "postgres", "--"] if root else []
    d = Path(tempfile.mkdtemp(prefix="qa-pg-"))
    d.chmod(0o755)
    if root:
        shutil.chown(d, "postgres", "postgres")
    data, log, port = d / "data", d / "server.log", free_port()
    subprocess.run([*as_pg, _pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "qa", "-E", "UTF8",
                    "--locale=C", "--no-sync"], check=True, capture_output=True)
    subprocess.run([*as_pg, _pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o",
                    f"-p {port} -h 127.0.0.1 -k {d} -F", "start"], check=True, capture_output=True)
    yield f"postgresql://qa@127.0.0.1:{port}"
    subprocess.run([*as_pg, _pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                   capture_output=True)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def store_url(postgres_server):
    """A new, empty database on the test PostgreSQL server, as a QA_STORE_URL."""
    import psycopg

    name = f"qa_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{postgres_server}/{name}"
