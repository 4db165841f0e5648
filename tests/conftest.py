"""Shared fixtures: real Chroma and the real embedder (loaded once a session), a queue-driven
fake LLM for tests of parsing and flow, and the path to ../shared data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = ROOT / "seeds"
# The local model is assembled once into the project's data dir and shared by all tests.
MODELS_DIR = ROOT / ".qa" / "models"

from qa.config import Settings  # noqa: E402


def shared_path(*parts: str) -> Path:
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is absent: the shared data folder is not beside the project")
    return p


def make_settings(data_dir: Path, **kw) -> Settings:
    return Settings(data_dir=data_dir, models_dir=MODELS_DIR, **kw)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory):
    """A store holding the seed articles (read-only for tests)."""
    from qa.ingest import ingest
    from qa.store import Store

    s = make_settings(tmp_path_factory.mktemp("seed") / "data")
    store = Store(s)
    ingest([SEEDS], store)
    return store


class FakeLLM:
    """A fake model for flow tests: replies are enqueued, calls recorded in `history`."""

    def __init__(self):
        self.replies: list[str | Exception] = []
        self.history: list[list[dict]] = []

    def enqueue(self, *replies: str | Exception) -> FakeLLM:
        """Queue replies; an exception in the queue is raised by the call that takes it."""
        self.replies.extend(replies)
        return self

    def __call__(self, settings, messages, *, max_tokens=256, stream=False, usage=None) -> Iterator[str]:
        self.history.append(messages)
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
