"""Run a suite against one or more models; compare with a baseline.

A case that crashes becomes a failed row carrying the error, and counts as a failure in every
rate it belongs to; the run goes on. A run records where it came from (commit, lock, model,
settings, machine and its llama.cpp rates), so a baseline says what it was measured on.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from qa.config import Settings
from qa.evals import metrics as m
from qa.evals.cases import EvalCase, Suite
from qa.provenance import Provenance

STAGES = ("retrieve", "evidence", "gate", "generate", "check", "check_per_sentence", "quote", "total")


class CaseResult(BaseModel):
    id: str
    question: str
    passed: bool = False
    question_type: str = ""
    expected_refusal: bool = False
    expects_cite: bool = False
    refused: bool = False
    gold_answer: str = ""
    direct: str = Field("", description="The answer's direct answer (Yes / No / a name ...), if any.")
    facts_ok: bool | None = None
    cite_ok: bool | None = None
    split: str = ""
    cited_ok: bool | None = Field(None, description="A shown citation's quote is a gold supporting "
                                  "sentence (graded by words, not by qa's checker); None: the case "
                                  "gives nothing to grade it by.")
    cited_correct: bool | None = Field(None, description="Answered, the facts right, and cited_ok.")
    bare_verdict: bool = Field(False, description="A verdict (Yes / No ...) shown with no cited sentence.")
    uncited: bool = Field(False, description="An answer shown with no citation at all.")
    wrong_shown: bool = Field(False, description="An answer shown that states a wrong fact or verdict "
                              "(qa.evals.metrics.stated_wrong).")
    error: str | None = None
    answer: str = ""
    reason: str = ""
    citations: list[dict] = Field(default_factory=list)
    sentences: list[dict] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    usage: dict[str, int] = Field(default_factory=dict)
    retrieval: list[bool] = Field(default_factory=list, description="relevance of the top 10")
    n_gold: int = 0
    alce_before: tuple[float, float] | None = Field(
        None, description="ALCE citation recall and precision of the model's draft, judged by qa's "
        "rule checker (the checker grades the model here, not itself).")


class RunResult(BaseModel):
    suite: str
    model: str
    started: str
    seconds: float
    metrics: dict[str, float | None]
    cases: list[CaseResult]
    provenance: Provenance | None = None


def prepare_store(suite: Suite, settings: Settings):
    """The suite's own store under DATA_DIR/evals/SUITE, its corpus ingested (idempotent)."""
    from qa.index.store import Store
    from qa.ingest.add import ingest

    s = settings.model_copy(update={"data_dir": settings.data_dir / "evals" / suite.suite,
                                    "models_dir": settings.model_dir})
    store = Store(s)
    store.sync()
    ingest(suite.corpus_paths(), store)
    return store


def run_case(case: EvalCase, store, settings: Settings, complete=None) -> CaseResult:
    from qa.answer.ask import ask
    from qa.answer.followup import standalone_question
    from qa.check.markers import is_refusal, split_answer
    from qa.index.retrieve import search

    row = CaseResult(id=case.id, question=case.question, question_type=case.question_type,
                     expected_refusal=case.refuse, expects_cite=bool(case.cite), gold_answer=case.answer,
                     split=case.split)
    try:
        gold = case.gold_facts or case.support or ([case.cite] if case.cite else [])
        if gold:
            top = search(store, case.question, settings.retrieval, k=10)
            row.retrieval, row.n_gold = m.retrieval_ranks([p.text for p in top], gold), len(gold)
        t = time.perf_counter()
        question = standalone_question(case.question, case.history, settings, complete)
        ans = ask(question, settings, store, complete=complete)
        row.timings = {**ans.timings, "total": time.perf_counter() - t}
        row.usage = ans.usage
        row.refused, row.answer, row.direct = ans.refused, ans.text, ans.answer
        row.reason = "; ".join(s.reason for s in ans.sentences if not s.supported or ans.refused)
        row.citations = [c.model_dump(include={"n", "title", "start", "end", "quote"})
                         for c in ans.citations]
        row.sentences = [s.model_dump() for s in ans.sentences]
        if ans.draft and not is_refusal(ans.draft):
            texts = {a: store.text(a) for a in {p.article_id for p in ans.passages}}
            th = settings.answer.support_threshold
            draft, _ = split_answer(ans.draft, len(ans.passages))
            row.alce_before = m.alce(draft, ans.passages, texts, th)
        if case.refuse:
            row.passed = ans.refused
        else:
            row.facts_ok = m.facts_ok(case.facts, ans.text) and not any(
                m._norm(x) in m._norm(ans.text) for x in case.must_not)
            if case.cite:
                row.cite_ok = any(m._norm(case.cite) in m._norm(c.quote) for c in ans.citations)
            row.passed = (not ans.refused) and row.facts_ok and row.cite_ok is not False
            grade(row, case, ans)
    except Exception as e:  # a crashing case is a failed row, not an aborted run
        row.error = f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}"
        row.passed = False
    return row


def grade(row: CaseResult, case: EvalCase, ans) -> None:
    """The answer as a reader can check it: is a shown citation a gold sentence, is it
    cited-correct, is a verdict bare, is a wrong answer shown (answerable cases, not refused)."""
    if ans.refused:
        return
    shown = [s for s in ans.sentences if s.shown]
    cited = any(s.kind == "claim" and s.citations for s in shown)
    row.uncited = not ans.citations
    row.bare_verdict = m.is_verdict(ans.answer) and not cited
    row.cited_ok = m.cited_support([c.quote for c in ans.citations], case.support, case.cite, case.facts)
    row.cited_correct = None if row.cited_ok is None else bool(row.facts_ok and row.cited_ok)
    row.wrong_shown = m.stated_wrong(ans.answer, ans.text, case.facts, case.must_not)


def quality(rows: list[CaseResult]) -> dict[str, float | None]:
    """What a reader meets: cited-correct (the headline), beside it the answers shown wrong,
    bare verdicts and uncited answers, false refusals and unanswerable questions refused."""
    answerable = [r for r in rows if not r.expected_refusal]
    graded = [r for r in answerable if r.cited_correct is not None or r.refused or r.error]
    return {
        "cited_correct": m.rate([bool(r.cited_correct) for r in graded]),
        "cited_ungraded": float(len(answerable) - len(graded)),
        "wrong_shown": m.rate([r.wrong_shown for r in answerable]),
        "bare_verdicts": float(sum(r.bare_verdict for r in rows)),
        "uncited_answers": float(sum(r.uncited and not r.refused and r.error is None for r in rows)),
        "false_refusals": m.rate([r.refused for r in answerable]),
        "unanswerable_refused": m.rate([r.refused for r in rows if r.expected_refusal]),
    }


def summarise(rows: list[CaseResult], n_chunks: int | None = None) -> dict[str, float | None]:
    """The run's metrics. A crashed row counts as a failure wherever it belongs (it answered
    nothing and refused nothing). Hits@k is left out when the store holds no more than k
    chunks (it would be 1 by construction)."""
    ok = [r for r in rows if r.error is None]
    answerable = [r for r in rows if not r.expected_refusal]
    refused = [r for r in ok if r.refused]
    should = [r for r in rows if r.expected_refusal]
    ranked = [r for r in ok if r.retrieval]
    out: dict[str, float | None] = {
        "cases": len(rows),
        "errors": sum(r.error is not None for r in rows),
        "pass_rate": m.rate([r.passed for r in rows]),
        "answer_accuracy": m.rate([bool(r.facts_ok) and not r.refused for r in answerable]),
        "citation_hit": m.rate([bool(r.cite_ok) for r in answerable if r.expects_cite]),
        "refusal_precision": m.rate([r.expected_refusal for r in refused]),
        "refusal_recall": m.rate([r.refused for r in should]),
        "answer_rate": m.rate([not r.refused and r.error is None for r in answerable]),
    }
    golden = [r for r in rows if r.gold_answer]
    # MultiHop-RAG's metric on the direct answer (else the text); a refusal reads as its
    # "Insufficient information."
    out["answer_accuracy_multihop_metric"] = _multihop_metric(golden)
    pairs = [r.alce_before for r in ok if r.alce_before]
    out["citation_recall_before_check"] = m.rate([p[0] for p in pairs]) if pairs else None
    out["citation_precision_before_check"] = m.rate([p[1] for p in pairs]) if pairs else None
    for k in (4, 10):
        trivial = n_chunks is not None and n_chunks <= k
        out[f"hits@{k}"] = None if trivial else m.rate([m.hits_at(r.retrieval, k) for r in ranked])
    out["mrr@10"] = m.rate([m.mrr_at(r.retrieval) for r in ranked])
    out["map@10"] = m.rate([m.map_at(r.retrieval, r.n_gold) for r in ranked])
    out.update(quality(rows))
    for kind in sorted({r.question_type for r in rows if r.question_type}):
        mine = [r for r in rows if r.question_type == kind]
        out[f"pass_rate[{kind}]"] = m.rate([r.passed for r in mine])
        out[f"cited_correct[{kind}]"] = quality(mine)["cited_correct"]
    for split in sorted({r.split for r in rows if r.split}):
        mine = [r for r in rows if r.split == split]
        out.update({f"{k}[{split}]": v for k, v in quality(mine).items()})
        out[f"answer_accuracy_multihop_metric[{split}]"] = _multihop_metric(mine)
        for kind in sorted({r.question_type for r in mine if r.question_type}):
            of_kind = quality([r for r in mine if r.question_type == kind])
            out[f"cited_correct[{kind}|{split}]"] = of_kind["cited_correct"]
            out[f"wrong_shown[{kind}|{split}]"] = of_kind["wrong_shown"]
            out[f"false_refusals[{kind}|{split}]"] = of_kind["false_refusals"]
    for stage in STAGES:
        vals = [r.timings[stage] for r in ok if stage in r.timings]
        out[f"{stage}_p50_s"] = m.percentile(vals, 50)
        out[f"{stage}_p95_s"] = m.percentile(vals, 95)
    ratios = [r.timings["check"] / r.timings["generate"] for r in ok
              if r.timings.get("generate") and "check" in r.timings]
    out["check_to_generate_p50"] = m.percentile(ratios, 50)  # the check's cost beside the writing
    out["prompt_tokens"] = float(sum(r.usage.get("prompt_tokens", 0) for r in ok))
    read = [r.usage["prompt_tokens"] for r in ok if r.usage.get("prompt_tokens")]
    out["prompt_tokens_p50"] = m.percentile(read, 50)  # per answered question
    out["completion_tokens"] = float(sum(r.usage.get("completion_tokens", 0) for r in ok))
    return out


def _multihop_metric(rows: list[CaseResult]) -> float | None:
    """MultiHop-RAG's own metric on the direct answer (else the text); a refusal reads as its
    "Insufficient information."; it credits a bare verdict: a second column, never the headline."""
    return m.rate([r.error is None and m.multihop_match(
        "insufficient information." if r.refused else r.direct or r.answer, r.gold_answer)
        for r in rows if r.gold_answer])


def run_suite(suite: Suite, settings: Settings, limit: int | None = None,
              progress: Callable[[CaseResult], None] | None = None, complete=None) -> RunResult:
    from qa.provenance import collect

    store = prepare_store(suite, settings)
    provenance = collect(settings, rates=complete is None, k=settings.retrieval.k,
                         passage_tokens=settings.answer.passage_tokens,
                         evidence_sentences=settings.evidence.sentences,
                         evidence_tokens=settings.evidence.tokens,
                         support_threshold=settings.answer.support_threshold,
                         model_check=settings.answer.model_check,
                         support_p_threshold=settings.answer.support_p_threshold,
                         gate=settings.answer.gate, gate_threshold=settings.answer.gate_threshold,
                         gate_floor=settings.answer.gate_floor, gate_passage=settings.answer.gate_passage,
                         quote_threshold=settings.answer.quote_threshold,
                         quote_coverage=settings.answer.quote_coverage,
                         verdict=settings.answer.verdict,
                         polar_threshold=settings.answer.polar_threshold, check=settings.answer.check,
                         compose=settings.answer.compose, split_parts=settings.answer.split_parts)
    if complete is None and settings.model.startswith("local/"):
        from qa.llm import reset_local_state

        reset_local_state()  # every run starts from the same model state: a regression is real
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    t = time.perf_counter()
    rows = []
    for case in suite.cases[:limit]:
        rows.append(run_case(case, store, settings, complete))
        if progress:
            progress(rows[-1])
    return RunResult(suite=suite.suite, model=settings.model, started=started,
                     seconds=time.perf_counter() - t, cases=rows, provenance=provenance,
                     metrics=summarise(rows, store.counts()["chunks"]))


# Metrics where lower is worse (a drop beyond the tolerance is a regression).
GATED = ("cited_correct", "pass_rate", "answer_accuracy", "citation_hit", "refusal_precision",
         "refusal_recall",
         "citation_recall_before_check", "citation_precision_before_check", "hits@4", "mrr@10")


# Metrics where higher is worse: a rate may rise by the tolerance, a count not at all.
GATED_LOWER = ("wrong_shown", "bare_verdicts", "uncited_answers")
RATES = ("wrong_shown",)


def compare(run: RunResult, baseline: RunResult, tolerance: float = 0.05) -> list[str]:
    """What got worse: metrics that dropped by more than tolerance, cases that now fail."""
    problems = []
    for name in GATED:
        new, old = run.metrics.get(name), baseline.metrics.get(name)
        if new is not None and old is not None and new < old - tolerance:
            problems.append(f"{name} dropped from {old:.3f} to {new:.3f}")
    for name in GATED_LOWER:
        new, old = run.metrics.get(name), baseline.metrics.get(name)
        if new is not None and old is not None and new > old + (tolerance if name in RATES else 0):
            problems.append(f"{name} rose from {old:.3f} to {new:.3f}")
    before = {c.id: c.passed for c in baseline.cases}
    for c in run.cases:
        if before.get(c.id) and not c.passed:
            why = c.error.splitlines()[0] if c.error else (c.reason or c.answer)[:120]
            problems.append(f"case {c.id} passed in the baseline and now fails: {why}")
    return problems


def broken_promises(run: RunResult) -> list[str]:
    """What no run may show, baseline or not: a verdict without a cited sentence."""
    bare = [c.id for c in run.cases if c.bare_verdict]
    return [f"{len(bare)} bare verdict(s) shown without a cited sentence: {', '.join(bare)}"] if bare else []


def load_run(path: Path) -> RunResult:
    return RunResult.model_validate_json(Path(path).read_text(encoding="utf-8"))
