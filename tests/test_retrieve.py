"""Hybrid retrieval on a small real corpus: filters, outlet/date features, BM25 in step."""

import json

import pytest

from qa.dates import dates_in
from qa.index.retrieve import Filters, search
from qa.index.store import Store
from qa.ingest.add import ingest

from .conftest import make_settings

ARTICLES = [
    {"title": "Storm closes harbour", "source": "Coast News", "category": "weather",
     "published_at": "2023-10-02T08:00:00+00:00",
     "text": "A storm closed the harbour on Monday. Fishing boats stayed in port all day."},
    {"title": "Harbour reopens after storm", "source": "Daily Wire Service", "category": "weather",
     "published_at": "2023-10-05T08:00:00+00:00",
     "text": "The harbour reopened on Thursday after the storm. Boats left at dawn."},
    {"title": "Council budget approved", "source": "Coast News", "category": "politics",
     "published_at": "2023-11-20T08:00:00+00:00",
     "text": "The council approved its budget. Spending on the harbour rises by 4 percent."},
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    d = tmp_path_factory.mktemp("ret")
    f = d / "news.jsonl"
    f.write_text("\n".join(json.dumps(a) for a in ARTICLES))
    s = Store(make_settings(d / "data"))
    ingest([f], s)
    return s


def titles(hits):
    return [h.title for h in hits]


@pytest.mark.parametrize("filters, expected", [
    (Filters(source="Coast News"), {"Storm closes harbour", "Council budget approved"}),
    (Filters(category="weather"), {"Storm closes harbour", "Harbour reopens after storm"}),
    (Filters(since="2023-10-03"), {"Harbour reopens after storm", "Council budget approved"}),
    (Filters(until="2023-10-03"), {"Storm closes harbour"}),
    (Filters(source="Coast News", since="2023-11-01", until="2023-11-30"), {"Council budget approved"}),
])
def test_filters(store, filters, expected):
    for mode in ("hybrid", "dense", "bm25"):
        hits = search(store, "harbour", store.settings.retrieval, k=5, filters=filters, mode=mode)
        assert set(titles(hits)) <= expected
    assert set(titles(search(store, "harbour", store.settings.retrieval, k=5,
                             filters=filters))) == expected


def test_question_naming_outlet_and_date_prefers_that_article(store):
    r = store.settings.retrieval
    q = "What did the Daily Wire Service report about the harbour?"
    assert titles(search(store, q, r, k=1)) == ["Harbour reopens after storm"]
    q = "What happened at the harbour according to the report published on October 2, 2023?"
    assert titles(search(store, q, r, k=1)) == ["Storm closes harbour"]


def test_bm25_follows_deletes(store, tmp_path):
    s = Store(make_settings(tmp_path / "d"))
    f = tmp_path / "a.jsonl"
    f.write_text("\n".join(json.dumps(a) for a in ARTICLES))
    ingest([f], s)
    assert any("budget" in p.text for p in search(s, "budget", s.settings.retrieval, mode="bm25"))
    (budget,) = [a for a in s.list_articles() if a["title"] == "Council budget approved"]
    assert s.delete_article(budget["id"])
    assert not any("budget" in p.text for p in search(s, "budget", s.settings.retrieval, mode="bm25"))
    # a fresh process reads the persisted index and sees the same
    s2 = Store(s.settings)
    assert [c for c, _ in s2.bm25_search("budget", 5)] == []


def test_dates_in_question():
    days, months = dates_in("published on October 18, 2023 and in September 2023")
    assert days == {"2023-10-18"} and months == {"2023-10", "2023-09"}


@pytest.mark.parametrize("matching, total, n, expected", [
    (10, 100, 30, ("ids", 10)),  # small store: always the exact id list
    (2_700, 100_000, 30, ("ids", 2_700)),  # one outlet of 37 at 100k chunks
    (50_000, 100_000, 30, ("overfetch", 120)),  # a broad filter: the nearest 120 hold ~60 matches
    (30_000, 1_000_000, 30, ("overfetch", 2_000)),
    (100, 1_000_000, 30, ("ids", 100)),
])
def test_plan_dense(matching, total, n, expected):
    from qa.index.retrieve import plan_dense

    assert plan_dense(matching, total, n) == expected


@pytest.mark.parametrize("filters", [Filters(source="Coast News"), Filters(since="2023-10-03"),
                                     Filters(category="weather", until="2023-10-03")])
def test_filtered_dense_plans_agree(store, filters):
    """Exact id search, over-fetch + post-filter, and Chroma's own `where` find the same chunks."""
    from qa.index.embed import embed_one
    from qa.index.retrieve import dense_hits

    qvec = embed_one("harbour storm boats")
    cat = store.catalog()
    mask = cat.mask(filters)
    by_ids = dense_hits(store, qvec, 5, filters, cat, mask, plan=("ids", 0))
    over = dense_hits(store, qvec, 5, filters, cat, mask, plan=("overfetch", len(cat)))
    where = store.dense_search(qvec, 5, where=filters.where())
    assert by_ids and [c for c, _ in by_ids] == [c for c, _ in over] == [c for c, _ in where]
    accepted = set(cat.ids[mask])
    assert {c for c, _ in by_ids} == accepted  # fewer matching chunks than asked: all of them


def test_bm25_mask_keeps_only_matching(store):
    cat = store.catalog()
    mask = cat.mask(Filters(source="Daily Wire Service"))
    hits = store.bm25_search("harbour", 10, mask)
    assert hits and {c for c, _ in hits} <= set(cat.ids[mask])
    assert len(store.bm25_search("harbour", 10)) > len(hits)
