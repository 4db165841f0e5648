"""Comparison and ordering questions: split into parts (qa.answer.parts), each part found in the
outlet it names and cited, the verdict drawn in code (qa.answer.compose). Flow tests use the
fake LLM (its P(yes) queue stands for the model's support verdicts)."""

import json

import pytest

from qa.answer.ask import ask
from qa.answer.parts import plan
from qa.index.store import Store
from qa.ingest.add import ingest

from .conftest import make_settings

OUTLETS = ["The Verge", "TechCrunch", "Fortune", "Sporting News", "The Sydney Morning Herald",
           "The Roar | Sports Writers Blog", "OpenVoiceNews U.K."]


@pytest.mark.parametrize("question, kind, relation, parts", [
    ("Did The Verge and TechCrunch both report that Caroline Ellison admitted to taking customer "
     "money?",
     "both", None, [("The Verge", "Caroline Ellison admitted to taking customer money"),
                    ("TechCrunch", "Caroline Ellison admitted to taking customer money")]),
    ("did both fortune and techcrunch describe israel's blockade of gaza", "both", None,
     [("Fortune", "israel's blockade of gaza"), ("TechCrunch", "israel's blockade of gaza")]),
    ("Does The Verge say Google pays Apple, while TechCrunch says Google pays Samsung?", "both", None,
     [("The Verge", "Google pays Apple"), ("TechCrunch", "Google pays Samsung")]),
    ("which came first, techcrunch on ellison's $14 billion testimony or the verge on her "
     "confessing to zhao",
     "order", "first", [("TechCrunch", "ellison's $14 billion testimony"),
                        ("The Verge", "her confessing to zhao")]),
    ("Did TechCrunch report Uber's third-quarter income after it reported the sexual assault lawsuits?",
     "order", "after", [("TechCrunch", "Uber's third-quarter income"),
                        ("TechCrunch", "sexual assault lawsuits")]),
    ("did the verge report the bridge closure before techcrunch did?", "order", "before",
     [("The Verge", "bridge closure"), ("TechCrunch", "bridge closure")]),
    ("did altman speak at openai's developer conference before he was fired", "order", "before",
     [(None, "altman speak at openai's developer conference"), (None, "altman was fired")]),
])
def test_a_comparison_or_ordering_is_split_into_parts_with_their_outlets(question, kind, relation, parts):
    p = plan(question, OUTLETS)
    assert p is not None and p.kind == kind and p.relation == relation
    assert [(x.outlet, x.claim) for x in p.parts] == parts


@pytest.mark.parametrize("question", [
    "How many officers will the Met lose?",
    "is binance still operating after the plea deal",  # 'after' dates a claim, orders nothing
    "Between the report from The Verge published on November 1, 2023, and the report from "
    "TechCrunch published later, was there a change in the portrayal of Google?",  # content, not order
    "did the fed and the bank both raise rates",  # names no outlets
    "Did The Verge report on Google?",  # one part
])
def test_other_questions_have_no_plan(question):
    assert plan(question, OUTLETS) is None


def test_before_or_after_is_answered_with_the_word():
    p = plan("Was the bridge closure reported by The Verge before or after TechCrunch reported the "
             "ferry strike?", OUTLETS)
    assert p is not None and p.either and p.relation == "before"


ARTICLES = [
    {"title": "Bridge to shut for repairs", "source": "The Daily Bugle", "published_at": "2024-03-01",
     "url": "https://bugle.example/bridge",
     "text": "The Harbour Bridge will close in May for six weeks of repairs. Engineers found rust in "
             "the main cables last winter. Commuters are advised to take the ferry."},
    {"title": "Harbour crossing closure confirmed", "source": "The Planet", "published_at": "2024-03-09",
     "url": "https://planet.example/bridge",
     "text": "City officials confirmed the Harbour Bridge closes in May while its cables are repaired. "
             "The ferry service will run every ten minutes during the works."},
    {"title": "Ferry fares frozen", "source": "The Planet", "published_at": "2024-02-20",
     "url": "https://planet.example/fares",
     "text": "The ferry operator froze fares for the rest of the year. Its chief executive said "
             "ridership had doubled since 2020."},
]


@pytest.fixture(scope="module")
def two_outlets(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two")
    path = folder / "articles.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES), encoding="utf-8")
    store = Store(make_settings(folder / "data"))
    ingest([path], store)
    return store


def test_fake_llm_both_parts_stated_is_yes_with_each_part_cited_and_no_draft(two_outlets, fake_llm):
    q = "Did The Daily Bugle and The Planet both report that the Harbour Bridge will close in May?"
    fake_llm.enqueue_probability(0.9, 0.8)  # each part's first sentence states it
    ans = ask(q, two_outlets.settings, two_outlets, complete=fake_llm)
    assert not ans.refused and ans.answer == "Yes"
    assert ans.sentences[0].kind == "answer" and "composed in code" in ans.sentences[0].reason
    quotes = {c.source: c.quote for c in ans.citations}
    assert quotes == {"The Daily Bugle": "The Harbour Bridge will close in May for six weeks of repairs.",
                      "The Planet": "City officials confirmed the Harbour Bridge closes in May while "
                                    "its cables are repaired."}
    for c in ans.citations:  # char-exact
        assert two_outlets.text(c.article_id)[c.start:c.end] == c.quote
    assert len(fake_llm.history) == 2  # two support verdicts; the model wrote nothing


def test_fake_llm_a_part_not_found_gives_a_partial_answer_without_a_verdict(two_outlets, fake_llm):
    q = "Did The Daily Bugle and The Planet both report that the Harbour Bridge will close in May?"
    # The Planet: no sentence states it; asked whole, the gate refuses: the parts found stand
    fake_llm.enqueue_probability(0.9, 0.1, 0.1, 0.1, 0.05)
    seen: list = []
    ans = ask(q, two_outlets.settings, two_outlets, complete=fake_llm, on_sentence=seen.append)
    assert not ans.refused and ans.answer == ""
    assert [s.kind for s in ans.sentences] == ["claim", "gap"]
    assert "Searched The Planet's articles" in ans.sentences[1].text
    assert not ans.sentences[1].text.lower().startswith("no")  # a gap is no verdict, even to a grader
    assert [c.source for c in ans.citations] == ["The Daily Bugle"]
    assert not any(s.kind == "answer" for s in seen)  # no bare or unbacked verdict streamed
    assert [s.text for s in seen] == [s.text for s in ans.sentences]


def test_fake_llm_a_partial_composition_yields_to_an_answer_of_the_whole_question(two_outlets, fake_llm):
    q = "Did The Daily Bugle and The Planet both report that the Harbour Bridge will close in May?"
    fake_llm.enqueue_probability(0.9, 0.1, 0.1, 0.1, 0.9, 0.9)  # parts; the gate; the verdict
    fake_llm.enqueue("Answer: Yes\nThe Harbour Bridge will close in May for six weeks of repairs [1].")
    ans = ask(q, two_outlets.settings, two_outlets, complete=fake_llm)
    assert not ans.refused and ans.answer == "Yes"
    assert not any(s.kind == "gap" for s in ans.sentences)  # the whole question's own answer


@pytest.mark.parametrize("question, answer", [
    ("Did The Planet report the fare freeze before The Daily Bugle reported the bridge closure?", "Yes"),
    ("Did The Planet report the fare freeze after The Daily Bugle reported the bridge closure?", "No"),
    ("Which came first, The Daily Bugle on the bridge closure or The Planet on the fare freeze?",
     "The Planet"),
])
def test_fake_llm_an_ordering_is_decided_by_the_cited_articles_dates(two_outlets, fake_llm, question, answer):
    fake_llm.enqueue_probability(0.9, 0.9)
    ans = ask(question, two_outlets.settings, two_outlets, complete=fake_llm)
    assert ans.answer == answer, ans.text
    dates = {c.source: c.published_at[:10] for c in ans.citations}
    assert dates == {"The Planet": "2024-02-20", "The Daily Bugle": "2024-03-01"}
    assert all(d in ans.text for d in dates.values())  # the dates the order comes from are shown


def test_a_verdict_word_cited_is_no_reason():
    from qa.check.backing import backs
    from qa.models import Sentence

    assert not backs(Sentence(text="Yes.", citations=[1, 2]))
    assert backs(Sentence(text="Yes, the Met will double its use of it.", citations=[1]))
