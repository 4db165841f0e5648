"""Eval machinery: fact matching, metrics, crash handling, baseline diff; the seed suite
against the committed baseline with the real model (slow)."""

import pytest

from qa.evals import metrics as m
from qa.evals.cases import EvalCase, Suite, load_suite
from qa.evals.run import broken_promises, compare, load_run, run_suite

from .conftest import ROOT, make_settings


@pytest.mark.parametrize("alt, answer, ok", [
    ("1,000", "It led to more than 1000 arrests [1].", True),
    ("1000", "more than 1,000 arrests", True),
    ("one thousand", "1,000 arrests", True),
    ("£260 million", "a £260m shortfall", True),
    ("£260m", "a £260 million shortfall", True),
    ("£260 million", "a £270 million shortfall", False),
    ("four", "used 4 times a week", True),
    ("no", "No, the Met does not have such powers.", True),
    ("no", "I know nothing", False),
    ("yes", "Yes.", True),
    ("Charlie Whelton", "charlie whelton said", True),
    ("Israel-Palestine", "the Israel–Palestine conflict", False),
])
def test_fact_matching(alt, answer, ok):
    assert m.matches(alt, answer) is ok


def test_retrieval_metrics_follow_the_dataset_definitions():
    rel = m.retrieval_ranks(["x", "the gold fact here.", "y", "THE gold  fact here. And more"],
                            ["The gold fact here."])
    assert rel == [False, True, False, True]
    assert m.hits_at(rel, 1) == 0 and m.hits_at(rel, 4) == 1
    assert m.mrr_at(rel) == 0.5
    assert m.map_at(rel, n_gold=2) == pytest.approx((1 / 2 + 2 / 4) / 2)


def test_seed_suite_covers_what_the_issue_asks():
    suite = load_suite("seed")
    assert len([c for c in suite.cases if not c.refuse]) >= 30
    assert len([c for c in suite.cases if c.refuse]) >= 8
    assert len({c.id for c in suite.cases}) == len(suite.cases)


def test_multihop_loader_reads_the_data_in_the_repository():
    suite = load_suite("multihop")
    assert len(suite.cases) == 200
    assert sum(c.refuse for c in suite.cases) == 21
    assert all(c.gold_facts for c in suite.cases if not c.refuse)
    assert all(p.is_file() for p in suite.corpus_paths())
    sub = load_suite("multihop40")
    assert len(sub.cases) == 40 and {c.id for c in sub.cases} <= {c.id for c in suite.cases}
    kinds = [c.question_type for c in sub.cases]
    assert {k: kinds.count(k) for k in set(kinds)} == {"inference": 14, "comparison": 12,
                                                       "temporal": 10, "null": 4}


def test_fake_llm_crashing_case_is_a_failed_row_and_the_run_goes_on(tmp_path, fake_llm):
    suite = Suite(suite="tiny", corpus=["seeds"], cases=[
        EvalCase(id="crash", question="How many arrests?", facts=[["1,000"]]),
        EvalCase(id="fine", question="How many arrests has live facial recognition led to?",
                 facts=[["1,000"]], cite="1,000 arrests")])
    fake_llm.enqueue(RuntimeError("model exploded"),
                     "yes", "Live facial recognition has led to more than 1,000 arrests [1].")
    run = run_suite(suite, make_settings(tmp_path / "d"), complete=fake_llm)
    crash, fine = run.cases
    assert not crash.passed and "model exploded" in crash.error
    assert fine.passed and fine.cite_ok
    assert run.metrics["errors"] == 1 and run.metrics["pass_rate"] == 0.5


def test_compare_names_regressions(tmp_path, seed_store, fake_llm):
    suite = Suite(suite="tiny", corpus=["seeds"], cases=[
        EvalCase(id="arrests", question="How many arrests has live facial recognition led to?",
                 facts=[["1,000"]])])
    settings = make_settings(tmp_path / "d")
    fake_llm.enqueue("yes", "Live facial recognition has led to more than 1,000 arrests [1].")
    good = run_suite(suite, settings, complete=fake_llm)
    fake_llm.enqueue("no")
    bad = run_suite(suite, settings, complete=fake_llm)
    assert good.metrics["pass_rate"] == 1 and bad.metrics["pass_rate"] == 0
    problems = compare(bad, good)
    assert any("pass_rate dropped from 1.000 to 0.000" in p for p in problems)
    assert any(p.startswith("case arrests passed in the baseline") for p in problems)
    assert compare(good, good) == []


# multihop40 (evals/baseline-multihop40.json) is gated before shipping, not in CI: it takes longer
# than these two together (README, "Evals").
@pytest.mark.slow
@pytest.mark.parametrize("suite, baseline", [("seed", "baseline.json"), ("typed", "baseline-typed.json")])
def test_suite_has_no_regression_against_the_committed_baseline(tmp_path, suite, baseline):
    from qa.evals.report import write_html

    base = load_run(ROOT / "evals" / baseline)  # a missing baseline fails here, it is not skipped
    run = run_suite(load_suite(suite), make_settings(tmp_path / "data"))
    problems = broken_promises(run) + compare(run, base)
    out = ROOT / "runs" / f"ci-{suite}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(run.model_dump_json(indent=1))
    write_html([run], base, out.with_suffix(".html"), problems)
    print("\n" + "\n".join(f"{k}: {v}" for k, v in run.metrics.items()))
    assert run.metrics["errors"] == 0
    assert not problems, problems


def test_multihop_rag_metric_reads_the_direct_answer_as_the_original_reads_its_quoted_one():
    from qa.evals.metrics import multihop_match

    assert multihop_match("Yes.", "Yes")  # the original's quotes and closing stop fall away
    assert not multihop_match("No.", "Yes")
    assert multihop_match("Sam Bankman-Fried.", "Sam Bankman-Fried")
    assert not multihop_match("The Verge", "TechCrunch")
    assert multihop_match("insufficient information.", "Insufficient information.")


def test_users_suite_is_large_split_and_each_answer_names_its_supporting_sentence():
    """The dev data as issue 33 asks: >= 150 hand-written questions over >= 30 articles, every
    answerable one with the article sentence(s) that support it (word for word in the corpus),
    and a fixed split that halves each phrasing kind."""
    import json
    from collections import Counter

    suite = load_suite("users")
    assert len(suite.cases) >= 150 and len({c.id for c in suite.cases}) == len(suite.cases)
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "seeds").glob("*.txt")]
    texts += [json.loads(line)["text"] for line in
              (suite.corpus_paths()[1]).read_text(encoding="utf-8").splitlines()]
    articles = set()
    for c in suite.cases:
        assert c.split in ("tune", "report") and c.question_type, c.id
        assert c.refuse or (c.support and c.facts), c.id
        for sentence in c.support:
            holding = [i for i, t in enumerate(texts) if sentence in t]
            assert holding, (c.id, sentence)
            articles.update(holding)
    assert len(articles) >= 30
    kinds = Counter((c.question_type, c.split) for c in suite.cases)
    for kind in {c.question_type for c in suite.cases}:
        assert abs(kinds[(kind, "tune")] - kinds[(kind, "report")]) <= 1, kind
    assert {"two-part", "polar", "who-said", "follow-up", "wrong-premise", "unanswerable",
            "comparison", "temporal"} <= {c.question_type for c in suite.cases}


@pytest.mark.parametrize("quote, gold, ok", [
    ("The Met is also increasing its public order team from 48 to 63 officers.",
     "The Met is also increasing its public order team from 48 to 63 officers to manage the growing "
     "number of protests in the capital.", True),
    ("City lead the table on 28 points", "City lead the table on 28 points with Liverpool going into "
     "second on 27, above Arsenal on goal difference.", True),
    ("In 2024 alone, shoplifting offences surpassed 500,000.",
     "The Met employs over 33,000 officers and 11,000 staff.", False),
    ("Yes.", "Yes, it is.", False),
])
def test_a_quote_is_graded_against_the_gold_sentence_by_its_words(quote, gold, ok):
    assert m.quote_is_gold(quote, gold) is ok


def test_a_wrong_verdict_or_a_wrong_name_is_stated_wrong_reasons_without_a_verdict_are_not():
    assert m.stated_wrong("No", "No. Sir Mark said ...", [["yes"]], [])
    assert not m.stated_wrong("Yes", "Yes. It grew from 48 to 63.", [["yes"], ["63"]], [])
    assert not m.stated_wrong("", "It grew from 48 to 63 [1].", [["yes"]], [])  # incomplete, not wrong
    assert m.stated_wrong("", "Sir Mark Rowley praised it [1].", [["Liberty", "Whelton"]], [])
    assert not m.stated_wrong("", "Liberty raised concerns [1].", [["Liberty", "Whelton"]], [])
    assert m.stated_wrong("", "It's fantastic [1]. Liberty ...", [["Liberty"]], ["fantastic"])
    assert m.stated_wrong("After", "After.", [["before"]], [])


def test_cited_support_needs_a_gold_sentence_or_the_facts_in_the_quotes():
    gold = ["The Met employs over 33,000 officers and 11,000 staff."]
    assert m.cited_support(gold, gold, None, [["33,000"]])
    assert not m.cited_support(["In 2024 alone, shoplifting offences surpassed 500,000."], gold, None,
                               [["33,000"]])
    assert m.cited_support(["... more than 1,000 arrests ..."], [], None, [["1,000"]])
    assert m.cited_support(["Yes."], [], None, [["yes"]]) is None  # a verdict cannot be read off a quote


def test_fake_llm_a_bare_verdict_is_a_broken_promise_and_cited_correct_is_gated(tmp_path):
    from qa.evals.run import CaseResult, RunResult

    def run(**row) -> RunResult:
        case = CaseResult(id="q", question="Is it?", **row)
        from qa.evals.run import summarise

        return RunResult(suite="t", model="fake", started="", seconds=0, cases=[case],
                         metrics=summarise([case]))

    good = run(facts_ok=True, cited_ok=True, cited_correct=True, passed=True)
    bare = run(facts_ok=True, cited_ok=None, bare_verdict=True, uncited=True, passed=True)
    wrong = run(facts_ok=False, cited_ok=False, cited_correct=False, wrong_shown=True)
    assert good.metrics["cited_correct"] == 1 and broken_promises(good) == []
    assert broken_promises(bare) == ["1 bare verdict(s) shown without a cited sentence: q"]
    problems = compare(wrong, good)
    assert "cited_correct dropped from 1.000 to 0.000" in problems
    assert "wrong_shown rose from 0.000 to 1.000" in problems


def test_types_picks_cases_by_question_type_and_names_an_unknown_one():
    from qa.cli.evals import of_types
    from qa.errors import QAError

    suite = load_suite("users")
    picked = of_types(suite, "comparison,temporal")
    assert picked.cases and {c.question_type for c in picked.cases} == {"comparison", "temporal"}
    with pytest.raises(QAError, match="no case of suite users has type comparsion"):
        of_types(suite, "comparsion")
