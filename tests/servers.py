"""Real servers started by the tests on 127.0.0.1 (bench/servers.py): a Chroma server
(`chroma run`) and a PostgreSQL server (Debian's `postgresql` package; .ci/run installs it).
Not mocks: each is the program a deployment runs. A missing program fails the test."""

from __future__ import annotations

import uuid

import pytest

from bench import servers
from bench.servers import BIN, wait_for

__all__ = ["BIN", "chroma_url", "postgres_server", "store_url", "wait_for"]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    try:
        with servers.chroma(tmp_path_factory.mktemp("chroma")) as url:
            yield url
    except servers.Missing as e:
        pytest.fail(str(e))


@pytest.fixture(scope="session")
def postgres_server():
    try:
        with servers.postgres() as url:
            yield url
    except servers.Missing as e:
        pytest.fail(str(e))


@pytest.fixture
def store_url(postgres_server):
    """A new, empty database on the test PostgreSQL server, as a QA_STORE_URL."""
    return servers.new_database(postgres_server, f"qa_{uuid.uuid4().hex[:12]}")
