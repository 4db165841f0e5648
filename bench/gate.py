"""Tune the answerability gate's threshold on one split of questions, report it on another.

    python bench/gate.py [--write docs/gate.md]              # score every question, then tune
    python bench/gate.py --scores bench/data/gate-scores.jsonl [--write docs/gate.md]   # tune only
    python bench/gate.py --scores bench/data/gate-scores.jsonl --suites typed     # score one suite more
    python bench/gate.py --scores bench/data/gate-scores.jsonl --drafts 0.2      # end to end, see below

Scoring writes each question's P(yes), split and label to bench/data/gate-scores.jsonl (with the
commit it was measured at), so the threshold can be re-derived without the model.

For every question of the seed suite, of the typed suite (questions as people type them), of
the 200 MultiHop-RAG dev queries and of the users suite (158 questions as people ask them), qa retrieves,
selects the evidence and asks the local model whether it answers the question; the score is
P(yes) from the model's log-probabilities (qa.llm.yes_probability). Labels: the suite's own
(a question whose right answer is a refusal is unanswerable; MultiHop-RAG's null queries are).
The seed suite's unanswerable questions are topical (the article is about the subject but does
not hold the answer), as in RGB's refusal tests.

Split: tuning = the MultiHop-RAG queries outside the CI subset `multihop40` + the seed and typed
questions at even positions + the users suite's tune half; report = `multihop40` + the seed and
typed questions at odd positions + the users suite's report half (its split is fixed in the file).

The gate need not be the last word: with a floor (QA_ANSWER__GATE_FLOOR), a question scored
from the floor up to the threshold is drafted, and answered only if a sentence of the draft
itself passes its check (qa.answer.ask.screen). `--drafts LOW` runs the whole pipeline in that
unsure mode (qa.evals.run.run_case) for every question whose P(yes) is in [LOW, threshold) and
keeps whether it refused; floors in that range are then judged end to end (refused = P(yes)
below the floor, or below the threshold and the draft refused). The floor's objective: the
fewest false refusals on the tuning split among the floors whose refusal recall there stays
within RECALL_TOLERANCE of the threshold alone's (refusals of unanswerable questions must not
get worse, issue 14 says; the tolerance is the one `qa eval` allows against a baseline), the
higher floor of equals. (It was set after a first run with the threshold's objective: that
chose 0.30, where half the tuning split's unanswerable MultiHop-RAG questions got answers.)
Since the users suite joined, a drafted answer shown with a wrong fact counts as much as a false
refusal in that objective (`draft_wrong`, kept for rows drafted since; older rows count none): a
lower floor must not buy answers by showing wrong ones. The questions at or above the threshold
count as answered whatever the floor (their drafts are not run), so the end-to-end false
refusals leave out those the draft refuses up there.
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
from qa.answer.ask import gather  # noqa: E402
from qa.answer.questions import asks_yes_no  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.evals.cases import load_suite  # noqa: E402
from qa.evals.run import prepare_store  # noqa: E402
from qa.llm import yes_probability  # noqa: E402

SCORES = ROOT / "bench" / "data" / "gate-scores.jsonl"
SUITES = ("seed", "typed", "multihop", "users")
GRID = [round(0.05 * i, 2) for i in range(1, 20)]
MAX_FALSE_REFUSALS = 0.02  # of the tuning split's answerable questions
RECALL_TOLERANCE = 0.05  # a floor's refusal recall against the threshold alone's (tuning split)


def score(case, store, settings: Settings) -> float:
    """The gate's P(yes) for the case's question, over what qa.answer.ask would give the model."""
    q = case.question.strip()
    passages, refused = gather(q, settings, store)
    if refused:
        return 0.0  # refused before the gate
    name = "gate_polar" if asks_yes_no(q) else "gate"
    return yes_probability(settings, prompts.messages(name, passages, question=q)) or 0.0


def split_of(suite: str, case, i: int, held: set[str]) -> bool:
    """Whether the case is in the report split (module docstring): the users suite's own
    fixed split, MultiHop-RAG's CI subset, every other question at an odd position."""
    if suite == "users":
        return case.split == "report"
    return (case.id in held) if suite == "multihop" else (i % 2 == 1)


def score_all(base: Settings, suites: tuple[str, ...] = SUITES) -> tuple[list[dict], float]:
    """Every question's P(yes), label and split; and the seconds a question took."""
    from qa.provenance import commit

    held = {c.id for c in load_suite("multihop40").cases}
    rows = []
    t = time.perf_counter()
    for name in suites:
        suite = load_suite(name)
        store = prepare_store(suite, base)
        for i, case in enumerate(suite.cases):
            report = split_of(name, case, i, held)
            rows.append({"id": case.id, "suite": name, "p_yes": score(case, store, store.settings),
                         "answerable": not case.refuse, "split": "report" if report else "tune",
                         "commit": commit()})
            print(f"{rows[-1]['p_yes']:.3f} {'answerable' if not case.refuse else 'refuse'}  {case.id}",
                  flush=True)
    return rows, (time.perf_counter() - t) / len(rows)


def draft_all(rows: list[dict], base: Settings, low: float) -> None:
    """Mark each row scored in [low, threshold) with whether the pipeline, the gate unsure of
    every question (threshold 1, floor 0), refused it."""
    from qa.evals.run import run_case
    from qa.provenance import commit

    high = base.answer.gate_threshold
    for name in SUITES:
        todo = {r["id"]: r for r in rows if r["suite"] == name
                and low <= r["p_yes"] < high and r.get("draft_low") != low}
        if not todo:
            continue
        suite = load_suite(name)
        store = prepare_store(suite, base)
        unsure = store.settings.model_copy(update={"answer": store.settings.answer.model_copy(
            update={"gate_threshold": 1.0, "gate_floor": 0.0})})
        for case in (c for c in suite.cases if c.id in todo):
            result = run_case(case, store, unsure)
            if result.error:
                raise RuntimeError(f"{case.id} crashed: {result.error}")
            todo[case.id].update(draft_refused=result.refused, draft_wrong=result.wrong_shown,
                                 draft_low=low, draft_commit=commit())
            print(f"{todo[case.id]['p_yes']:.3f} draft {'refused' if result.refused else 'answered'}"
                  f"  {case.id}", flush=True)


def refused(row: dict, th: float, upper: float | None = None) -> bool:
    """Whether qa refuses the row's question: by the gate at threshold th; or, with a floor th
    below the `upper` threshold, also when the question is under `upper` and its draft refused."""
    return row["p_yes"] < th or (upper is not None and row["p_yes"] < upper
                                 and bool(row.get("draft_refused")))


def rates(rows: list[dict], th: float, upper: float | None = None) -> dict[str, float]:
    ans = [not refused(r, th, upper) for r in rows if r["answerable"]]
    una = [refused(r, th, upper) for r in rows if not r["answerable"]]
    out = [r["answerable"] for r in rows if refused(r, th, upper)]
    drafted = [r for r in rows if upper is not None and th <= r["p_yes"] < upper]
    wrong = sum(bool(r.get("draft_wrong")) and not r.get("draft_refused") for r in drafted)
    return {"wrong_shown": wrong, "balanced": (sum(ans) / len(ans) + sum(una) / len(una)) / 2,
            "false_refusals": len(ans) - sum(ans), "answerable": len(ans),
            "refusal_recall": sum(una) / len(una), "unanswerable": len(una),
            "refusal_precision": out.count(False) / len(out) if out else 0.0}


def line(name: str, rows: list[dict], th: float, upper: float | None = None) -> str:
    r = rates(rows, th, upper)
    wrong = f" {r['wrong_shown']} |" if upper is not None else ""
    return (f"| {name} | {th:.2f} | {r['balanced']:.3f} | {r['false_refusals']} of {r['answerable']} | "
            f"{r['refusal_recall']:.3f} of {r['unanswerable']} | {r['refusal_precision']:.3f} |{wrong}")


def tuned(tune: list[dict], grid: list[float], upper: float | None = None) -> float:
    """The objective fixed before tuning (module docstring) on the tuning split."""
    allowed = [th for th in grid if rates(tune, th, upper)["false_refusals"]
               <= MAX_FALSE_REFUSALS * rates(tune, th, upper)["answerable"]]
    return max(allowed, key=lambda th: (rates(tune, th, upper)["balanced"], -abs(th - 0.5)))


def floor_tuned(tune: list[dict], grid: list[float], threshold: float) -> float:
    """The floor's objective (module docstring) on the tuning split."""
    least = rates(tune, threshold)["refusal_recall"] - RECALL_TOLERANCE
    allowed = [f for f in grid if rates(tune, f, threshold)["refusal_recall"] >= least - 1e-9]

    def cost(f: float) -> tuple[int, float]:
        r = rates(tune, f, threshold)
        return r["false_refusals"] + r["wrong_shown"], -f

    return min(allowed, key=cost)


def table(rows: list[dict], answer, low: float | None) -> list[str]:
    """The gate alone; and, when drafts were run from `low` up, the floors end to end."""
    tune = [r for r in rows if r["split"] == "tune"]
    report = [r for r in rows if r["split"] == "report"]
    committed = answer.gate_threshold
    head = ["| split | threshold | balanced accuracy | false refusals | refusal recall "
            "| refusal precision |", "|---|---|---|---|---|---|"]
    best = tuned(tune, GRID)
    lines = ["The gate alone (a question is refused when its P(yes) is below the threshold):", "",
             *head, line("tuning", tune, best), line("report (tuned on the other split)", report, best),
             line("report, committed setting", report, committed), "",
             f"best threshold on the tuning split (at most {MAX_FALSE_REFUSALS:.0%} false refusals): "
             f"{best:.2f}; committed: {committed:.2f}"]
    if low is not None:
        floor = floor_tuned(tune, [th for th in GRID if low <= th <= committed], committed)
        mine = committed if answer.gate_floor is None else answer.gate_floor
        lines += ["", f"With a floor, end to end (refused below the floor, or below the threshold "
                  f"{committed:.2f} when the draft refused; drafts run from {low:.2f}; the "
                  "threshold column is the floor; wrong shown: drafted answers that state a wrong "
                  "fact, recorded for rows drafted since it was kept):", "",
                  head[0] + " wrong shown |", head[1] + "---|",
                  line("tuning", tune, floor, committed),
                  line("report (tuned on the other split)", report, floor, committed),
                  line("report, committed setting", report, mine, committed), "",
                  f"best floor on the tuning split (fewest false refusals, refusal recall within "
                  f"{RECALL_TOLERANCE} of the threshold alone's): {floor:.2f}; committed: "
                  f"{'none' if answer.gate_floor is None else f'{answer.gate_floor:.2f}'}"]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", help="write the tables as this command's figure block in a markdown file")
    ap.add_argument("--scores", help="re-derive from these saved scores instead of scoring again")
    ap.add_argument("--suites", nargs="+", choices=SUITES,
                    help="score these suites (again) and keep the other rows of --scores")
    ap.add_argument("--drafts", type=float, metavar="LOW",
                    help="run the pipeline, the gate unsure, for questions scored from LOW up to "
                    "the threshold")
    args = ap.parse_args()
    base = Settings(data_dir=Path(tempfile.mkdtemp(prefix="qa-gate-")), models_dir=Settings().model_dir)
    rows = [json.loads(x) for x in Path(args.scores).open()] if args.scores else []
    measured = f"scores read from {args.scores}"
    if not args.scores or args.suites:
        new, per = score_all(base, tuple(args.suites or SUITES))
        ids = {r["id"] for r in new}
        rows = [r for r in rows if r["id"] not in ids] + new
        measured = f"{per:.1f} s a question for retrieval, evidence and the gate's P(yes), cold prompt cache"
    if args.drafts:
        draft_all(rows, base, args.drafts)
    if not args.scores or args.suites or args.drafts:
        SCORES.write_text("".join(json.dumps(r) + "\n" for r in rows))
    commits = sorted({r["commit"] for r in rows} | {r["draft_commit"] for r in rows if "draft_commit" in r})
    lows = {r["draft_low"] for r in rows if "draft_low" in r}
    if len(lows) > 1:
        raise SystemExit(f"rows drafted from different floors {sorted(lows)}: draft them again")
    n = {split: sum(r["split"] == split for r in rows) for split in ("tune", "report")}
    lines = [f"{n['tune']} tuning and {n['report']} report questions (seed, typed, MultiHop-RAG dev "
             f"and users suites); {measured}; measured at commit {', '.join(commits)}", "",
             *table(rows, base.answer, lows.pop() if lows else None)]
    print("\n".join(lines))
    if args.write:
        from qa.provenance import collect, write_block

        write_block(Path(args.write), " ".join(["python", "bench/gate.py", *sys.argv[1:]]),
                    "\n".join(lines), collect(base, gate_threshold=base.answer.gate_threshold,
                                              gate_floor=base.answer.gate_floor,
                                              evidence_tokens=base.evidence.tokens))


if __name__ == "__main__":
    main()
