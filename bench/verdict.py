"""Tune the yes/no verdict's threshold on one split of questions, report it on another.

    python bench/verdict.py [--write docs/verdict.md]               # score, then tune
    python bench/verdict.py --scores bench/data/verdict-scores.jsonl [--write docs/verdict.md]

Every question that asks yes or no and whose gold answer is yes or no (MultiHop-RAG's
comparison and temporal dev queries, answered "Yes"/"True" or "No"; seed and typed suite
questions whose facts are "yes" or "no") is put to qa.answer.verdict over the evidence qa.answer.ask
would give the model: the whole question's P(yes) and, for a question joining claims with
"while" / "whereas" / ";", each claim's. Scores go to bench/data/verdict-scores.jsonl (with the
commit), so thresholds can be re-derived without the model.

Split (as bench/gate.py's): tuning = the MultiHop-RAG queries outside the CI subset
`multihop40` and the suite questions at even positions; report = `multihop40` and the
odd positions. Objective, fixed before tuning: the best accuracy on the tuning split, a tie
going to the threshold nearer 0.5. Two rules are tuned and reported: the whole question's
P(yes); the least of its parts' (the whole question's when it joins none). "Always Yes" is
printed beside them, as the floor a verdict must beat.
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

from qa.answer.ask import gather  # noqa: E402
from qa.answer.questions import asks_yes_no  # noqa: E402
from qa.answer.verdict import scores  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.evals.cases import load_suite  # noqa: E402
from qa.evals.run import prepare_store  # noqa: E402
from qa.llm import yes_probability  # noqa: E402

SCORES = ROOT / "bench" / "data" / "verdict-scores.jsonl"
GRID = [round(0.05 * i, 2) for i in range(1, 20)]
YES, NO = {"yes", "true"}, {"no", "false"}


def label(case) -> bool | None:
    """True (yes), False (no), or None: not a yes/no question with a yes/no gold answer."""
    if not asks_yes_no(case.question) or case.refuse:
        return None
    golds = {a.strip().lower().rstrip(".") for group in case.facts for a in group}
    if golds & YES and not golds & NO:
        return True
    if golds & NO and not golds & YES:
        return False
    return None


def score_all(base: Settings) -> tuple[list[dict], float]:
    from qa.provenance import commit

    held = {c.id for c in load_suite("multihop40").cases}
    rows, t = [], time.perf_counter()
    for name in ("seed", "typed", "multihop"):
        suite = load_suite(name)
        store = None
        for i, case in enumerate(suite.cases):
            gold = label(case)
            if gold is None:
                continue
            store = store or prepare_store(suite, base)
            passages, _ = gather(case.question.strip(), store.settings, store)
            whole, found = scores(case.question, passages, store.settings, yes_probability)
            report = (case.id in held) if name == "multihop" else (i % 2 == 1)
            rows.append({"id": case.id, "yes": gold, "whole": whole, "parts": [p for _, p in found],
                         "split": "report" if report else "tune", "commit": commit()})
            print(f"{whole:.3f} {[round(p, 3) for _, p in found]} {'yes' if gold else 'no '}  {case.id}",
                  flush=True)
    return rows, (time.perf_counter() - t) / max(len(rows), 1)


def decide(row: dict, rule: str) -> float:
    return min(row["parts"]) if rule == "parts" and row["parts"] else row["whole"]


def accuracy(rows: list[dict], rule: str, th: float) -> float:
    return sum((decide(r, rule) >= th) == r["yes"] for r in rows) / len(rows)


def table(tune: list[dict], report: list[dict], committed: float) -> list[str]:
    out = ["| rule | threshold (tuned) | tuning accuracy | report accuracy | report, committed "
           f"{committed:.2f} |", "|---|---|---|---|---|"]
    for rule, name in (("whole", "the whole question's P(yes)"), ("parts", "the least of its parts' P(yes)")):
        best = max(GRID, key=lambda th: (accuracy(tune, rule, th), -abs(th - 0.5)))
        out.append(f"| {name} | {best:.2f} | {accuracy(tune, rule, best):.3f} | "
                   f"{accuracy(report, rule, best):.3f} | {accuracy(report, rule, committed):.3f} |")
    yes_t = sum(r["yes"] for r in tune) / len(tune)
    yes_r = sum(r["yes"] for r in report) / len(report)
    out.append(f"| always Yes | — | {yes_t:.3f} | {yes_r:.3f} | {yes_r:.3f} |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", help="write the table as this command's figure block in a markdown file")
    ap.add_argument("--scores", help="re-derive from these saved scores instead of scoring again")
    args = ap.parse_args()
    base = Settings(data_dir=Path(tempfile.mkdtemp(prefix="qa-verdict-")), models_dir=Settings().model_dir)
    if args.scores:
        rows = [json.loads(x) for x in Path(args.scores).open()]
        measured = f"scores measured at commit {rows[0]['commit']}, read from {args.scores}"
    else:
        rows, per = score_all(base)
        SCORES.write_text("".join(json.dumps(r) + "\n" for r in rows))
        measured = f"{per:.1f} s a question for retrieval, evidence and its P(yes) scores, cold prompt cache"
    tune = [r for r in rows if r["split"] == "tune"]
    report = [r for r in rows if r["split"] == "report"]
    joined = sum(bool(r["parts"]) for r in rows)
    lines = [f"{len(tune)} tuning and {len(report)} report yes/no questions with yes/no gold answers "
             f"({joined} join claims); {measured}", "",
             *table(tune, report, base.answer.polar_threshold)]
    print("\n".join(lines))
    if args.write:
        from qa.provenance import collect, write_block

        write_block(Path(args.write), " ".join(["python", "bench/verdict.py", *sys.argv[1:]]),
                    "\n".join(lines), collect(base, polar_threshold=base.answer.polar_threshold,
                                              polar_parts=base.answer.polar_parts))


if __name__ == "__main__":
    main()
