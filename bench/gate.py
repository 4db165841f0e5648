"""Tune the answerability gate's threshold on one split of questions, report it on another.

    python bench/gate.py [--write docs/gate.md]              # score every question, then tune
    python bench/gate.py --scores evals/gate-scores.jsonl [--write docs/gate.md]   # tune only

Scoring writes each question's P(yes), split and label to evals/gate-scores.jsonl (with the
commit it was measured at), so the threshold can be re-derived without the model.

For every question of the seed suite and of the 200 MultiHop-RAG dev queries, qa retrieves,
selects the evidence and asks the local model whether it answers the question; the score is
P(yes) from the model's log-probabilities (qa.llm.yes_probability). Labels: the suite's own
(a question whose right answer is a refusal is unanswerable; MultiHop-RAG's null queries are).
The seed suite's unanswerable questions are topical (the article is about the subject but does
not hold the answer), as in RGB's refusal tests.

Split: tuning = the MultiHop-RAG queries outside the CI subset `multihop40` + the seed
questions at even positions; report = `multihop40` + the seed questions at odd positions.
The objective, fixed before tuning: the best balanced accuracy on the tuning split among the
thresholds that refuse at most 2% of its answerable questions (a false refusal costs a user
more than an answer the checker then trims; the answer step and the checker can still refuse).
The report split is scored with that threshold and with the committed setting
(QA_ANSWER__GATE_THRESHOLD).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa import prompts  # noqa: E402
from qa.answer import gather  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.evals.cases import load_suite  # noqa: E402
from qa.evals.run import prepare_store  # noqa: E402
from qa.llm import yes_probability  # noqa: E402
from qa.questions import asks_yes_no  # noqa: E402

SCORES = ROOT / "evals" / "gate-scores.jsonl"
GRID = [round(0.05 * i, 2) for i in range(1, 20)]
MAX_FALSE_REFUSALS = 0.02  # of the tuning split's answerable questions


def score(case, store, settings: Settings) -> float:
    """The gate's P(yes) for the case's question, over what qa.answer.ask would give the model."""
    q = case.question.strip()
    passages, refused = gather(q, settings, store)
    if refused:
        return 0.0  # refused before the gate
    name = "gate_polar" if asks_yes_no(q) else "gate"
    return yes_probability(settings, prompts.messages(name, passages, question=q)) or 0.0


def score_all(base: Settings) -> tuple[list[dict], float]:
    """Every question's P(yes), label and split; and the seconds a question took."""
    from qa.provenance import commit

    held = {c.id for c in load_suite("multihop40").cases}
    rows = []
    t = time.perf_counter()
    for name in ("seed", "multihop"):
        suite = load_suite(name)
        store = prepare_store(suite, base)
        for i, case in enumerate(suite.cases):
            report = (i % 2 == 1) if name == "seed" else (case.id in held)
            rows.append({"id": case.id, "p_yes": score(case, store, store.settings),
                         "answerable": not case.refuse, "split": "report" if report else "tune",
                         "commit": commit()})
            print(f"{rows[-1]['p_yes']:.3f} {'answerable' if not case.refuse else 'refuse'}  {case.id}",
                  flush=True)
    return rows, (time.perf_counter() - t) / len(rows)


def rates(rows: list[tuple[float, bool]], th: float) -> dict[str, float]:
    ans = [p >= th for p, a in rows if a]
    una = [p < th for p, a in rows if not a]
    refused = [(p < th, a) for p, a in rows if p < th]
    return {"balanced": (sum(ans) / len(ans) + sum(una) / len(una)) / 2,
            "false_refusals": len(ans) - sum(ans), "answerable": len(ans),
            "refusal_recall": sum(una) / len(una), "unanswerable": len(una),
            "refusal_precision": sum(not a for _, a in refused) / len(refused) if refused else 0.0}


def line(name: str, rows, th: float) -> str:
    r = rates(rows, th)
    return (f"| {name} | {th:.2f} | {r['balanced']:.3f} | {r['false_refusals']} of {r['answerable']} | "
            f"{r['refusal_recall']:.3f} of {r['unanswerable']} | {r['refusal_precision']:.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", help="write the table as this command's figure block in a markdown file")
    ap.add_argument("--scores", help="re-derive from these saved scores instead of scoring again")
    args = ap.parse_args()
    base = Settings(data_dir=Path(tempfile.mkdtemp(prefix="qa-gate-")), models_dir=Settings().model_dir)
    if args.scores:
        rows = [json.loads(x) for x in Path(args.scores).open()]
        measured = f"scores measured at commit {rows[0]['commit']}, read from {args.scores}"
    else:
        rows, per = score_all(base)
        SCORES.write_text("".join(json.dumps(r) + "\n" for r in rows))
        measured = f"{per:.1f} s a question for retrieval, evidence and the gate's P(yes), cold prompt cache"
    tune = [(r["p_yes"], r["answerable"]) for r in rows if r["split"] == "tune"]
    report = [(r["p_yes"], r["answerable"]) for r in rows if r["split"] == "report"]
    allowed = [th for th in GRID
               if rates(tune, th)["false_refusals"] <= MAX_FALSE_REFUSALS * rates(tune, th)["answerable"]]
    best = max(allowed, key=lambda th: (rates(tune, th)["balanced"], -abs(th - 0.5)))
    committed = base.answer.gate_threshold
    lines = [f"{len(tune)} tuning and {len(report)} report questions (seed suite and MultiHop-RAG dev); "
             f"{measured}", "",
             "| split | threshold | balanced accuracy | false refusals | refusal recall "
             "| refusal precision |",
             "|---|---|---|---|---|---|",
             line("tuning", tune, best), line("report (tuned on the other split)", report, best),
             line("report, committed setting", report, committed), "",
             f"best threshold on the tuning split (at most {MAX_FALSE_REFUSALS:.0%} false refusals): "
             f"{best:.2f}; committed: {committed:.2f}"]
    print("\n".join(lines))
    if args.write:
        from qa.provenance import collect, write_block

        write_block(Path(args.write), " ".join(["python", "bench/gate.py", *sys.argv[1:]]),
                    "\n".join(lines), collect(base, gate_threshold=committed,
                                              evidence_tokens=base.evidence.tokens))


if __name__ == "__main__":
    main()
