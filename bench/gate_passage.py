"""Tune the gate's second look (QA_ANSWER__GATE_PASSAGE) on the users suite's tune half.

    python bench/gate_passage.py [--split tune|report] [--write docs/gate.md]   # score, then tune
    python bench/gate_passage.py --scores bench/data/gate-passage-scores.jsonl [--write docs/gate.md]

When the gate's P(yes) over all the evidence is below the floor, qa can ask about each
evidence passage alone (qa.answer.gate.second_look): an answer in one short passage is often
drowned by the others, and the small model says no to the whole. For every question of the
users suite (questions as people type them), this scores the gate over the whole evidence and
over each passage alone, and keeps the rows (with the commit) in
bench/data/gate-passage-scores.jsonl. A question is refused when its whole-evidence P(yes) is
below the floor and no passage alone reaches X. The objective on the tune half: the fewest
false refusals among the X that refuse every unanswerable question the floor alone refuses
(the second look must not buy answers with refusals it should make) and are not below the
floor (one passage must score where the whole evidence would have been unsure), the higher X
of equals.
Whether a rescued question is then answered right is judged end to end by `qa eval users`
(its report half), since the draft still decides and every sentence is still checked.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
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

SCORES = ROOT / "bench" / "data" / "gate-passage-scores.jsonl"
GRID = [round(0.05 * i, 2) for i in range(1, 20)] + [1.01]  # 1.01: no second look


def score_split(base: Settings, split: str) -> list[dict]:
    from qa.provenance import commit

    suite = load_suite("users")
    store = prepare_store(suite, base)
    s = store.settings
    rows = []
    for case in [c for c in suite.cases if c.split == split and not c.history]:
        passages, _ = gather(case.question, s, store)
        name = "gate_polar" if asks_yes_no(case.question) else "gate"
        ask = prompts.messages(name, passages, question=case.question)
        whole = yes_probability(s, ask) if passages else 0.0
        per = [yes_probability(s, prompts.messages(name, [p], question=case.question)) for p in passages]
        rows.append({"id": case.id, "split": split, "type": case.question_type, "unanswerable": case.refuse,
                     "whole": whole, "per": per, "commit": commit()})
        print(rows[-1]["id"], round(whole or 0, 2), [round(x or 0, 2) for x in per], flush=True)
    return rows


def refused(row: dict, floor: float, x: float) -> bool:
    return (row["whole"] or 0) < floor and max([p or 0 for p in row["per"]] or [0]) < x


def table(rows: list[dict], floor: float, committed: float | None) -> tuple[list[str], float]:
    tune = [r for r in rows if r["split"] == "tune"]
    must = {r["id"] for r in tune if r["unanswerable"] and refused(r, floor, 1.01)}
    ok = [x for x in GRID if x >= floor  # a passage alone must pass where the whole would be unsure
          and all(refused(r, floor, x) for r in tune if r["id"] in must)]
    best = min(ok, key=lambda x: (sum(refused(r, floor, x) for r in tune if not r["unanswerable"]), -x))
    lines = ["| split | X | false refusals (answerable) | unanswerable refused |", "|---|---|---|---|"]
    for split in ("tune", "report"):
        part = [r for r in rows if r["split"] == split]
        if not part:
            continue
        ans, una = [r for r in part if not r["unanswerable"]], [r for r in part if r["unanswerable"]]
        for x, label in ((1.01, "off"), (best, f"{best:.2f} (tuned)")):
            lines.append(f"| {split} | {label} | {sum(refused(r, floor, x) for r in ans)} of {len(ans)} "
                         f"| {sum(refused(r, floor, x) for r in una)} of {len(una)} |")
    lines += ["", f"floor {floor:.2f}; best X on the tune half: {best:.2f}; committed: "
              f"{'off' if committed is None else f'{committed:.2f}'}"]
    return lines, best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", help="write the table as this command's figure block in a markdown file")
    ap.add_argument("--scores", help="re-derive from these saved scores instead of scoring again")
    ap.add_argument("--split", choices=("tune", "report"), default="tune", help="the half to score")
    args = ap.parse_args()
    base = Settings(data_dir=Path(tempfile.mkdtemp(prefix="qa-gate-")), models_dir=Settings().model_dir)
    rows = [json.loads(x) for x in Path(args.scores).open()] if args.scores else []
    if not args.scores:
        new = score_split(base, args.split)
        old = [json.loads(x) for x in SCORES.open()] if SCORES.exists() else []
        rows = [r for r in old if r["split"] != args.split] + new
        SCORES.write_text("".join(json.dumps(r) + "\n" for r in rows))
    lines, _ = table(rows, base.answer.gate_floor or base.answer.gate_threshold, base.answer.gate_passage)
    lines.insert(0, f"{len(rows)} users-suite questions; measured at commit "
                    f"{', '.join(sorted({r['commit'] for r in rows}))}\n")
    print("\n".join(lines))
    if args.write:
        from qa.provenance import collect, write_block

        write_block(Path(args.write), " ".join(["python", "bench/gate_passage.py", *sys.argv[1:]]),
                    "\n".join(lines), collect(base, gate_floor=base.answer.gate_floor,
                                              gate_passage=base.answer.gate_passage))


if __name__ == "__main__":
    main()
