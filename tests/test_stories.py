"""Copies, stories, timelines and disagreements on the committed fixture (bench/data/stories/:
four edited copies of the seed article, an independent report of the same story, five dated
MultiHop-RAG articles of one story and two of other stories), with a real store, Chroma and
the real embedder; no model is involved."""

from __future__ import annotations

import json

import httpx
import pytest
import yaml

from qa.api.server import create_app
from qa.config import Settings
from qa.index.retrieve import search
from qa.index.store import Store
from qa.ingest.add import ingest, ingest_rows
from qa.service.schemas import StoriesRequest, TimelineRequest
from qa.service.service import Service

from .conftest import MULTIHOP, ROOT, SEEDS, make_settings, serving
from .test_cli import run

FIXTURE = ROOT / "bench" / "data" / "stories"
EXPECTED = yaml.safe_load((FIXTURE / "expected.yaml").read_text())


def dev_rows() -> list[dict]:
    rows = [json.loads(line) for line in (MULTIHOP / "articles.jsonl").open()]
    return [r for r in rows if r["title"] in EXPECTED["dev_articles"]]


def fill(store: Store) -> None:
    ingest([SEEDS, FIXTURE / "fixture.jsonl"], store)
    rep = ingest_rows(dev_rows(), store)
    assert len(rep.added) == len(EXPECTED["dev_articles"]), rep


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    s = make_settings(tmp_path_factory.mktemp("stories") / "data")
    st = Store(s)
    fill(st)
    return st


def titles_by_group(store: Store) -> list[set[str]]:
    groups: dict[str, set[str]] = {}
    for r in store.list_articles():
        groups.setdefault(r["copy_group"], set()).add(r["title"])
    return [g for g in groups.values() if len(g) > 1]


def test_copies_are_grouped_at_ingest_and_every_copy_stays_citable(store):
    assert titles_by_group(store) == [set(g) for g in EXPECTED["copies"]]
    for r in store.list_articles():
        assert store.article_passages(r["id"]), r["title"]  # nothing deleted, every copy searchable


def test_retrieval_shows_one_passage_per_copy_group_and_names_the_copies(store):
    groups = store.copies.group_of([r["id"] for r in store.list_articles()])
    q = "How many arrests has live facial recognition led to?"
    hits = search(store, q, store.settings.retrieval, k=6)
    assert len({groups[h.article_id] for h in hits}) == len({h.article_id for h in hits})
    met = [h for h in hits if h.also_in]
    assert met, "the seed story's copies are named"
    for h in met:
        assert {c.article_id for c in h.also_in} | {h.article_id} == {
            a for a, g in groups.items() if g == groups[h.article_id]}
    # without grouping the copies crowd the top passages
    off = store.settings.model_copy(update={"stories": store.settings.stories.model_copy(
        update={"copies": False})})
    raw = search(Store(off), q, off.retrieval, k=6)
    assert len({groups[h.article_id] for h in raw}) < len({h.article_id for h in raw})


def test_fake_llm_answer_citation_names_the_copies_that_carry_its_quote(store):
    from qa.answer.ask import ask

    from .conftest import FakeLLM
    from .test_answer_flow import cite_n

    q = "How many arrests has live facial recognition led to?"
    n = cite_n(store, q, "more than 1,000 arrests")
    fake = FakeLLM().enqueue("yes", f"Live facial recognition has led to more than 1,000 arrests [{n}].")
    ans = ask(q, store.settings, store, complete=fake)
    (c,) = ans.citations
    named = {x.source for x in c.also_in}
    assert named and "Metro Daily" not in named  # its copy was edited to "1,035 arrests"
    for x in c.also_in:
        assert " ".join(c.quote.split()) in " ".join(store.text(x.article_id).split())
    # the model was told where the copies ran
    assert "copies of this article also ran in" in fake.history[-1][-1]["content"]


def test_another_process_and_a_deletion_keep_the_groups_right(tmp_path):
    s = make_settings(tmp_path / "data")
    reader = Store(s)  # opened before anything is stored, like the app beside `qa ingest`
    writer = Store(s)
    ingest([SEEDS, FIXTURE / "fixture.jsonl"], writer)
    assert titles_by_group(reader) == [set(EXPECTED["copies"][0])]
    seed = next(r for r in writer.list_articles() if r["source"] == "OpenVoiceNews U.K.")
    writer.delete_article(seed["id"])
    left = set(EXPECTED["copies"][0]) - {seed["title"]}
    assert titles_by_group(reader) == [left]
    ingest([SEEDS], writer)  # stored again: it rejoins its copies
    assert titles_by_group(Store(s)) == [set(EXPECTED["copies"][0])]


def test_a_store_from_before_copies_is_grouped_when_opened(tmp_path):
    s = make_settings(tmp_path / "data")
    st = Store(s)
    ingest([SEEDS, FIXTURE / "fixture.jsonl"], st)
    with st.db.tx():
        st.db.execute("DELETE FROM copies")
    st.sync()
    assert titles_by_group(Store(s)) == [set(EXPECTED["copies"][0])]


def test_stories_group_one_event_and_never_two(store):
    found = Service(store.settings, store).stories(StoriesRequest())
    expected = [set(g) for g in EXPECTED["stories"]]
    got = [{a.title for a in s.articles} for s in found]
    assert expected[0] in got, "the seed story: its copies and the independent report"
    for g in got:  # no story mixes two expected stories or takes in an article of another story
        assert any(g <= e for e in expected), g
    met = next(s for s in found if s.title == EXPECTED["stories"][0][0])
    assert met.copies == 4 and met.first == "2025-07-31" and met.last == "2025-08-01"
    assert len(met.outlets) == 6
    since = Service(store.settings, store).stories(StoriesRequest(filters={"since": "2025-01-01"}))
    assert [s.title for s in since] == [met.title]


def test_timeline_dates_events_by_the_text_or_the_article(store):
    service = Service(store.settings, store)
    events = []
    for want in EXPECTED["events"]:
        got = service.timeline(TimelineRequest(topic=want["topic"])).events
        (ev,) = [e for e in got if e.text.startswith(want["starts"])]
        assert ev.date == want["date"], (want, ev)
        events += got
    for ev in events:
        c = ev.citation
        assert store.text(c.article_id)[c.start:c.end] == ev.text == c.quote
        assert ev.dated_by == ("text" if ev.when else "published")
        if ev.dated_by == "published":
            assert ev.date == c.published_at[:10]
    tl = service.timeline(TimelineRequest(topic="Sam Altman fired from OpenAI"))
    assert [e.date for e in tl.events] == sorted(e.date for e in tl.events)
    assert [e.citation.n for e in tl.events] == list(range(1, len(tl.events) + 1))
    figure = next(e for e in events if "1,000 arrests" in e.text)
    assert figure.as_of == figure.citation.published_at[:10]


def test_conflicting_figures_are_listed_side_by_side_and_agreeing_ones_are_not(store):
    req = TimelineRequest(topic="Met Police facial recognition budget")
    tl = Service(store.settings, store).timeline(req)
    got = {k.quantity: sorted(c.value for c in k.claims) for k in tl.conflicts}
    for quantity, values in EXPECTED["conflicts"].items():
        assert got.get(quantity) == values, (quantity, got)
    assert not set(EXPECTED["agreements"]) & set(got), got
    for k in tl.conflicts:
        for claim in k.claims:
            c = claim.citation
            assert store.text(c.article_id)[c.start:c.end] == c.quote
            assert claim.figure.split()[0].strip("£$€").replace(",", "")[:2] in c.quote.replace(",", "")


def test_cli_and_api_carry_groups_stories_events_and_conflicts(tmp_path):
    data = tmp_path / "data"
    run(["ingest", str(SEEDS), str(FIXTURE / "fixture.jsonl")], data)
    arts = json.loads(run(["list", "--json"], data).stdout)["articles"]
    assert len({a["copy_group"] for a in arts}) == 2
    assert "(copy of " in run(["list"], data).stdout
    stories = json.loads(run(["stories", "--json"], data).stdout)["stories"]
    assert [len(s["articles"]) for s in stories] == [6]
    tl = json.loads(run(["timeline", "funding shortfall", "--json"], data).stdout)
    assert tl["events"] and tl["conflicts"]
    assert all(e["citation"]["quote"] == e["text"] for e in tl["events"])
    text = run(["timeline", "funding shortfall"], data).stdout
    assert "Where the articles differ" in text and "£240 million" in text
    bad = run(["timeline", "x", "--since", "last week"], data, check=False)
    assert bad.returncode != 0 and "YYYY-MM-DD" in bad.stderr

    store = Store(Settings(data_dir=data))
    with serving(create_app(Service(store.settings, store))) as url:
        got = httpx.post(f"{url}/v1/stories", json={"filters": {"since": "2025-07-31"}}).json()
        assert [len(s["articles"]) for s in got["stories"]] == [6]
        tl = httpx.post(f"{url}/v1/timeline", json={"topic": "funding shortfall"}).json()
        assert tl["conflicts"] and tl["events"][0]["citation"]["quote"]
        assert httpx.post(f"{url}/v1/timeline", json={"topic": ""}).status_code == 422


@pytest.mark.parametrize("sentence, published, expected", [
    ("At its first developer conference last week, Altman spoke.", "2023-11-18T15:33:22+00:00", "2023-11-11"),
    ("The council voted on Tuesday to close the pool.", "2023-11-18", "2023-11-14"),
    ("The board fired him on Friday, November 17, and he may return.", "2023-11-20", "2023-11-17"),
    ("In 2024 alone, shoplifting offences surpassed 500,000.", "2025-07-31", "2024"),
    ("The report, published in March 2023, said so.", "", "2023-03"),
    ("On 5 June the law passed.", "2023-11-01", "2023-06-05"),
    ("The council voted on Tuesday.", "", ""),  # nothing to resolve "Tuesday" against
    ("Sales may rise by 20 percent to 1,000 units.", "2023-11-01", ""),  # "may" is a verb
    ("It has been a whirlwind four days for OpenAI.", "2023-11-21", ""),  # a span, not a date
])
def test_event_dates_are_resolved_against_the_articles_date(sentence, published, expected):
    from qa.news.timeline import event_date

    assert event_date(sentence, published)[0] == expected


def test_figures_carry_what_they_count_and_their_bound():
    from qa.news.disagree import figures_of

    text = ("The Met revealed more than 1,000 arrests, with 773 resulting in charges. It faces a "
            "£260 million funding shortfall and has about 33,000 officers. Up to 10 vans were used in 2024.")
    got = {(f.quantity, f.low, f.high) for f in figures_of("a", text)}
    assert ("arrest", 1000, float("inf")) in got
    assert ("£ funding shortfall", 260e6, 260e6) in got
    assert ("officer", 33000 * 0.9, 33000 * 1.1) in got
    assert ("van", 0, 10) in got
    assert not any(f.value == 2024 for f in figures_of("a", text))


def test_too_many_articles_for_stories_is_an_error_that_says_how_to_narrow(store):
    from qa.errors import QAError

    tight = store.settings.model_copy(update={"stories": store.settings.stories.model_copy(
        update={"max_articles": 3})})
    with pytest.raises(QAError, match="QA_STORIES__MAX_ARTICLES=3.*--since"):
        Service(tight, store).stories(StoriesRequest())
