"""The library on a real PostgreSQL server (QA_STORE_URL): the same store as the embedded
SQLite one, and shared: two stores over one PostgreSQL database and one Chroma server (two
qa processes' view) see each other's additions and deletions at their next search."""

import pytest

from qa.errors import StoreError
from qa.index.retrieve import search
from qa.index.store import Store
from qa.ingest.add import ingest
from qa.ingest.feeds import FeedBook

from .conftest import MULTIHOP, SEEDS, make_settings

QUESTIONS = ["How many arrests has live facial recognition led to?",
             "What did the prosecution say about Sam Bankman-Fried?",
             "Which team won the match?"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The seed article and 40 MultiHop-RAG articles, as files to ingest."""
    d = tmp_path_factory.mktemp("corpus")
    lines = (MULTIHOP / "articles.jsonl").read_text().splitlines()[:40]
    (d / "multihop.jsonl").write_text("\n".join(lines) + "\n")
    return [SEEDS, d / "multihop.jsonl"]


def _found(store: Store, question: str, mode: str = "hybrid") -> list[str]:
    return [p.chunk_id for p in search(store, question, store.settings.retrieval, k=5, mode=mode)]


def test_postgres_store_holds_and_finds_what_the_sqlite_store_does(corpus, store_url, tmp_path):
    lite = Store(make_settings(tmp_path / "lite"))
    pg = Store(make_settings(tmp_path / "pg", store_url=store_url))
    assert pg.db.dialect == "postgres" and not (tmp_path / "pg" / "qa.sqlite3").exists()
    for store in (lite, pg):
        report = ingest(corpus, store)
        assert len(report.added) == 41 and not report.errors
    assert pg.counts() == lite.counts()
    assert pg.list_articles() == lite.list_articles()  # copy groups included
    for q in QUESTIONS:
        for mode in ("hybrid", "bm25", "dense"):
            assert _found(pg, q, mode) == _found(lite, q, mode), (q, mode)
    again = ingest(corpus, pg)  # nothing stored twice
    assert len(again.skipped) == 41 and pg.counts() == lite.counts()
    victim = pg.list_articles()[0]["id"]
    assert pg.delete_article(victim) and lite.delete_article(victim)
    assert pg.counts() == lite.counts() and pg.article(victim) is None
    for q in QUESTIONS:
        assert _found(pg, q) == _found(lite, q)


def test_two_stores_over_one_postgres_and_one_chroma_server_see_each_others_writes(
        corpus, store_url, chroma_url, tmp_path):
    a = Store(make_settings(tmp_path / "a", store_url=store_url, chroma_url=chroma_url))
    b = Store(make_settings(tmp_path / "b", store_url=store_url, chroma_url=chroma_url))
    q = QUESTIONS[0]
    assert _found(b, q) == []  # b has searched (and loaded its index) before a adds anything
    ingest([SEEDS], a)
    seen = search(b, q, b.settings.retrieval, k=3, mode="bm25")
    assert any("1,000 arrests" in p.text for p in seen)  # b's lexical index caught up
    assert any("1,000 arrests" in p.text for p in search(b, q, b.settings.retrieval, k=3, mode="dense"))
    ingest(corpus[1:], b)
    assert a.counts() == b.counts() == {"articles": 41, "chunks": b.chroma.collection.count()}
    assert _found(a, QUESTIONS[1]) == _found(b, QUESTIONS[1])
    seed_id = next(r["id"] for r in a.list_articles() if "Facial" in r["title"])
    assert b.delete_article(seed_id)
    assert not any("1,000 arrests" in p.text for p in search(a, q, a.settings.retrieval, k=5))
    assert a.counts() == b.counts() == {"articles": 40, "chunks": a.chroma.collection.count()}


def test_feeds_state_lives_in_the_postgres_store(store_url, tmp_path):
    book = FeedBook(make_settings(tmp_path / "d", store_url=store_url, feeds_allow_private=True))
    book.add("http://127.0.0.1:9/feed.xml", every=600)
    book.mark("http://127.0.0.1:9/feed.xml", [("e1", "d1", None), ("e1", "d2", "a1")])
    other = FeedBook(make_settings(tmp_path / "e", store_url=store_url, feeds_allow_private=True))
    assert [f.url for f in other.all()] == ["http://127.0.0.1:9/feed.xml"]
    assert other.get("http://127.0.0.1:9/feed.xml").every == 600
    assert other.seen("http://127.0.0.1:9/feed.xml", "e1") == "d2"


def test_a_store_url_that_is_not_postgres_or_not_reachable_is_a_clear_error(tmp_path, postgres_server):
    with pytest.raises(StoreError, match="not a postgresql:// address"):
        Store(make_settings(tmp_path / "x", store_url="mysql://localhost/qa"))
    with pytest.raises(StoreError, match="cannot reach the PostgreSQL store") as e:
        Store(make_settings(tmp_path / "y", store_url=f"{postgres_server}/no_such_db"))
    assert "no_such_db" in str(e.value)


_KILLED = """
import os, sys
from qa.index.store import Store
from qa.ingest.add import ingest
from tests.conftest import SEEDS, make_settings
from pathlib import Path

def die(self, chunks):  # the process dies after the vectors are written, before the rows commit
    os._exit(9)

Store._insert_chunks = die
ingest([SEEDS], Store(make_settings(Path(sys.argv[1]), store_url=sys.argv[2], chroma_url=sys.argv[3])))
"""


def test_a_process_killed_between_the_vector_write_and_the_commit_leaves_neither_store_ahead(
        store_url, chroma_url, tmp_path):
    import subprocess
    import sys

    from .conftest import ROOT

    run = subprocess.run([sys.executable, "-c", _KILLED, str(tmp_path / "dead"), store_url, chroma_url],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 9, run.stderr[-2000:]
    other = Store(make_settings(tmp_path / "other", store_url=store_url, chroma_url=chroma_url))
    assert other.counts() == {"articles": 0, "chunks": 0}
    dead = other.chroma.collection.count()
    assert dead > 0  # the dead process's vectors, never committed
    assert other.repair() == dead and other.chroma.collection.count() == 0  # as opening does (sync)
    ingest([SEEDS], other)
    assert other.counts()["articles"] == 1
    assert other.chroma.collection.count() == other.counts()["chunks"]


def test_two_qa_servers_over_one_library_see_each_others_uploads_and_deletes(
        store_url, chroma_url, tmp_path):
    """Two `python app.py` processes (the app and the API, as `qa serve`), one PostgreSQL store
    and one Chroma server: both start on the empty store at once and the seed article is
    stored once; an article uploaded to one is found by the other's very next search (no
    polling: its index follows the shared change log before it searches), a delete
    likewise; 20 concurrent clients spread over both get the single-client results."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from .conftest import running_app

    env = {"QA_STORE_URL": store_url, "QA_CHROMA_URL": chroma_url}
    with running_app(tmp_path / "a", **env) as a, running_app(tmp_path / "b", **env) as b:
        def found(url: str, query: str) -> list[str]:
            r = httpx.post(f"{url}v1/search", json={"query": query, "k": 5}, timeout=120)
            r.raise_for_status()
            return [p["text"] for p in r.json()["results"]]

        def titles(url: str) -> list[str]:
            return sorted(r["title"] for r in httpx.get(f"{url}v1/articles", timeout=60).json()["articles"])

        assert titles(a) == titles(b) and len(titles(a)) == 1  # seeded once, not twice
        q = "How deep was the lake at Keswick after the storm?"
        assert not any("Keswick" in t for t in found(b, q))
        row = {"title": "Storm floods Keswick", "source": "Lakes Gazette", "published_at": "2025-08-02",
               "text": "The lake at Keswick rose to a depth of 14 metres after the storm on Friday. "
                       "Residents were moved to the town hall while the water stayed high."}
        added = httpx.post(f"{a}v1/articles", json={"articles": [row]}, timeout=120).json()
        assert added["added"] == ["Storm floods Keswick"]
        assert any("14 metres" in x for x in found(b, q))  # at the other's very next search
        single = found(a, q)
        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(lambda i: found((a, b)[i % 2], q), range(20)))
        assert all(r == single for r in results)
        aid = next(r["id"] for r in httpx.get(f"{b}v1/articles").json()["articles"]
                   if r["title"] == row["title"])
        assert httpx.delete(f"{b}v1/articles/{aid}", timeout=60).status_code == 200
        assert not any("14 metres" in x for x in found(a, q))  # gone at the next search
        assert titles(a) == titles(b) and len(titles(a)) == 1
    check = Store(make_settings(tmp_path / "check", store_url=store_url, chroma_url=chroma_url))
    assert check.chroma.collection.count() == check.counts()["chunks"]  # neither store ahead


def test_two_stores_adding_the_same_articles_at_once_store_them_once(corpus, store_url, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    stores = [Store(make_settings(tmp_path / n, store_url=store_url)) for n in ("a", "b")]
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda s: ingest(corpus, s), stores))
    assert sum(len(r.added) for r in reports) == 41  # each article added by one of them
    assert all(not r.errors for r in reports)
    assert stores[0].counts()["articles"] == 41
    assert len({r["title"] for r in stores[1].list_articles()}) == len(stores[1].list_articles())


def test_postgres_full_text_search_finds_chunks_by_their_words_and_honours_filters(
        corpus, store_url, tmp_path):
    from qa.index.filters import Filters

    s = make_settings(tmp_path / "pg", store_url=store_url, retrieval={"lexical": "postgres"})
    store = Store(s)
    ingest(corpus, store)
    q = "How many arrests has live facial recognition led to?"
    hits = search(store, q, s.retrieval, k=3, mode="bm25")
    assert hits and "facial recognition" in hits[0].text.lower()
    outlet = next(r["source"] for r in store.list_articles() if "Facial" not in r["title"])
    only = search(store, q, s.retrieval, k=3, mode="bm25", filters=Filters(source=outlet))
    assert all(p.source == outlet for p in only)
    # this process keeps no words (PostgreSQL ranks): the catalogue's rows only, none read
    lex = store.lexicon()
    assert lex.index.vocab == {} and len(lex.catalog) == store.counts()["chunks"]
    assert not (s.data_dir / "bm25").exists()
    bm25 = Store(make_settings(tmp_path / "pg", store_url=store_url))  # the same store, BM25 ranking
    assert bm25.lexicon().index.vocab and search(bm25, q, bm25.settings.retrieval, k=1, mode="bm25")
    lite = Store(make_settings(tmp_path / "lite", retrieval={"lexical": "postgres"}))
    with pytest.raises(StoreError, match="QA_STORE_URL"):
        search(lite, q, lite.settings.retrieval, mode="bm25")
