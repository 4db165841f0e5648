"""Shared fixtures: real Chroma and the real embedder (loaded once a session), a queue-driven
fake LLM for tests of parsing and flow, and the in-repo eval data (no test needs the shared folder)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
MULTIHOP = ROOT / "qa" / "evals" / "data" / "multihop-rag"
# The local model is assembled once into the project's data dir and shared by all tests.
MODELS_DIR = ROOT / ".qa" / "models"

from bench.servers import free_port  # noqa: E402
from qa.config import Settings  # noqa: E402


def digits_not_in(text: str, source: str) -> list[str]:
    """Numbers written in digits in text that the source never writes (commas aside): an
    oracle of the tests' own, independent of qa's checker, for "nothing invented is shown"."""
    def found(t: str) -> set[str]:
        return {m.replace(",", "").rstrip(".") for m in re.findall(r"\d[\d,.]*", t)}
    return sorted(found(text) - found(source))


def shown_claims(ans) -> list:
    return [s for s in ans.sentences if s.shown and s.kind == "claim"]


def make_settings(data_dir: Path, **kw) -> Settings:
    return Settings(data_dir=data_dir, models_dir=MODELS_DIR, **kw)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory):
    """A store holding the seed articles (read-only for tests)."""
    from qa.index.store import Store
    from qa.ingest.add import ingest

    s = make_settings(tmp_path_factory.mktemp("seed") / "data")
    store = Store(s)
    ingest([SEEDS], store)
    return store


class FakeLLM:
    """A fake model for flow tests: replies are enqueued, calls recorded in `history`."""

    def __init__(self):
        self.replies: list[str | Exception] = []
        self.probabilities: list[float] = []
        self.history: list[list[dict]] = []
        self.max_tokens: list[int] = []  # what each generation call was allowed to write

    def enqueue(self, *replies: str | Exception) -> FakeLLM:
        """Queue replies; an exception in the queue is raised by the call that takes it."""
        self.replies.extend(replies)
        return self

    def enqueue_probability(self, *p_yes: float) -> FakeLLM:
        """Queue P(yes) scores for yes/no prompts (the gate); without any, it has none."""
        self.probabilities.extend(p_yes)
        return self

    def yes_probability(self, settings, messages) -> float | None:
        if not self.probabilities:
            return None
        self.history.append(messages)
        return self.probabilities.pop(0)

    def __call__(self, settings, messages, *, max_tokens=256, stream=False, usage=None) -> Iterator[str]:
        self.history.append(messages)
        self.max_tokens.append(max_tokens)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        if stream:
            yield from (reply[i:i + 5] for i in range(0, len(reply), 5))
        else:
            yield reply


@pytest.fixture
def fake_llm() -> FakeLLM:
    return FakeLLM()


@contextlib.contextmanager
def running_app(tmp: Path, **extra_env: str):
    """`python app.py` on a free port with its own data dir (and extra QA_* settings); yields
    its URL."""
    port = free_port()
    env = {**os.environ, "QA_DATA_DIR": str(tmp / "data"), "QA_MODELS_DIR": str(MODELS_DIR),
           "QA_PORT": str(port), **extra_env}
    tmp.mkdir(parents=True, exist_ok=True)
    log = tmp / "app.log"  # a file, not a pipe: a full pipe would block the app
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    t = time.perf_counter()
    try:
        while time.perf_counter() - t < 180:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                assert proc.poll() is None, log.read_text()[-2000:]
                time.sleep(0.5)
        print(f"\napp start to first page: {time.perf_counter() - t:.1f} s")
        yield url
    except BaseException:  # the app's own traceback says more than the client's 500
        lines = [x for x in log.read_text().splitlines() if "warn" not in x.lower()]
        print("--- the app's log, warnings aside (last 8000 characters) ---\n"
              + "\n".join(lines)[-8000:])
        raise
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """A real uvicorn server for `app` on a free 127.0.0.1 port, in a thread; yields its URL."""
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    t = time.perf_counter()
    while not server.started:
        assert thread.is_alive() and time.perf_counter() - t < 60, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# the real servers' fixtures (chroma_url, postgres_server, store_url), for every test module
from .servers import chroma_url, postgres_server, store_url  # noqa: E402, F401
