"""The incremental BM25 index and catalogue: scores equal bm25s's; after articles are added,
replaced and deleted, searches give exactly what a store rebuilt from scratch gives, in this
process and in another one that opened the store before the changes."""

import json
import shutil

import bm25s
import numpy as np
import pytest

from qa.index import lexicon
from qa.index.bm25 import Index, tokenize
from qa.index.retrieve import Filters, search
from qa.index.store import Store
from qa.ingest.add import ingest

from .conftest import MULTIHOP, make_settings

QUERIES = ["Google search deal with Apple", "Federal Reserve interest rates inflation",
           "football transfer injury", "the", "cryptocurrency exchange fraud trial"]
FILTERS = [Filters(), Filters(source="The Verge"), Filters(since="2023-10-01"),
           Filters(source="TechCrunch", until="2023-11-30")]


def rows(n: int) -> list[dict]:
    lines = (MULTIHOP / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(x) for x in lines[:n]]


def write(path, articles) -> None:
    path.write_text("\n".join(json.dumps(a) for a in articles), encoding="utf-8")


def test_scores_equal_bm25s_and_a_rebuilt_index():
    texts = [a["text"][:1500] for a in rows(60)]
    ids = [f"c{i:03d}" for i in range(len(texts))]
    ref = bm25s.BM25()
    ref.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
    grown = Index()
    for i in range(0, 60, 25):
        grown.add(ids[i:i + 25], texts[i:i + 25])
    for q in QUERIES[:3]:
        (tokens,) = tokenize([q])
        assert np.allclose(grown.scores(tokens), ref.get_scores(tokens), rtol=1e-5, atol=1e-6)
    grown.remove(ids[:10])
    grown.add(ids[5:15], [t.upper() for t in texts[5:15]])  # replaced
    final = {**dict(zip(ids[10:], texts[10:])), **dict(zip(ids[5:15], [t.upper() for t in texts[5:15]]))}
    fresh = Index()
    fresh.add(sorted(final), [final[c] for c in sorted(final)])
    for q in QUERIES:
        (tokens,) = tokenize([q])
        a, b = grown.scores(tokens), fresh.scores(tokens)
        by_id = {grown.ids[r]: a[r] for r in grown.rows.values()}
        assert by_id == {fresh.ids[r]: b[r] for r in fresh.rows.values()}
    compact = grown.compact()
    (tokens,) = tokenize([QUERIES[0]])
    assert len(compact) == len(fresh) and np.array_equal(compact.scores(tokens), fresh.scores(tokens))


def results(store) -> list:
    out = []
    for q in QUERIES:
        for f in FILTERS:
            mask = store.catalog().mask(f) if f.active() else None
            out.append(store.bm25_search(q, 20, mask))
            out.append([(p.chunk_id, round(p.score, 12)) for p in search(store, q, store.settings.retrieval,
                                                                          k=8, filters=f)])
    return out


@pytest.mark.parametrize("save_every", [lexicon.SAVE_EVERY, 40])
def test_after_adds_replaces_and_deletes_search_equals_a_rebuilt_store(tmp_path, monkeypatch, save_every):
    monkeypatch.setattr(lexicon, "SAVE_EVERY", save_every)  # 40: saves and log pruning happen too
    settings = make_settings(tmp_path / "data")
    articles = rows(70)
    write(tmp_path / "first.jsonl", articles[:40])
    store = Store(settings)
    ingest([tmp_path / "first.jsonl"], store)
    results(store)  # the index is built, and held, now
    other = Store(settings)  # "another process", which has looked before the changes
    results(other)

    changed = [{**a, "text": a["text"] + " A correction was appended later."} for a in articles[:3]]
    write(tmp_path / "more.jsonl", articles[40:] + changed)
    report = ingest([tmp_path / "more.jsonl"], store)
    assert len(report.added) == 30 and len(report.replaced) == 3
    for a in store.list_articles()[:5]:
        assert store.delete_article(a["id"])
    incremental, stale = results(store), results(other)

    shutil.rmtree(settings.data_dir / "bm25")  # a store that must build everything anew
    rebuilt = results(Store(settings))
    assert incremental == rebuilt and stale == rebuilt
    assert len(store.catalog()) == store.counts()["chunks"]
    assert any(r for r in rebuilt)  # the queries do find things
