"""Eval machinery: fact matching, metrics, crash handling, baseline diff; the seed suite
against the committed baseline with the real model (slow)."""

import pytest

from qa.evals import metrics as m
from qa.evals.cases import EvalCase, Suite, load_suite
from qa.evals.run import compare, load_run, run_suite

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


@pytest.mark.slow
@pytest.mark.parametrize("suite, baseline", [("seed", "baseline.json"),
                                             ("multihop40", "baseline-multihop40.json"),
                                             ("typed", "baseline-typed.json")])
def test_suite_has_no_regression_against_the_committed_baseline(tmp_path, suite, baseline):
    from qa.evals.report import write_html

    base = load_run(ROOT / "evals" / baseline)  # a missing baseline fails here, it is not skipped
    run = run_suite(load_suite(suite), make_settings(tmp_path / "data"))
    problems = compare(run, base)
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
