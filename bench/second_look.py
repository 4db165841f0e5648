"""The gate's second look judged end to end: what it changes in the users suite's answers.

    QA_ANSWER__GATE_PASSAGE=0.5 qa eval users --out runs/users-second-look.json
    python bench/second_look.py --run runs/users-second-look.json [--write docs/gate.md]
    python bench/second_look.py --cases bench/data/second-look-cases.jsonl [--write docs/gate.md]

One eval run with the second look on (qa.answer.gate.second_look) holds the answers with it
off too: a question the second look let through (it ran, `gate_passages` in the case's
timings, and the gate did not refuse) would have been refused without it, and every other
question goes the same way with it or without. So per split this prints cited-correct, wrong
answers shown, false refusals and unanswerable questions refused, with the second look on and
off, and lists the questions it let through. The cases' rows are kept in
bench/data/second-look-cases.jsonl (with the run's commit), so the table can be re-derived
without the model; the block's provenance is the run's (commit, settings, machine rates).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.answer.refusals import GATE_REFUSED  # noqa: E402

CASES = ROOT / "bench" / "data" / "second-look-cases.jsonl"


def rows_of(run: dict) -> list[dict]:
    """One row per case of an eval run made with the second look on."""
    commit = run["provenance"]["commit"]
    return [{"id": c["id"], "split": c["split"], "question": c["question"],
             "unanswerable": c["expected_refusal"], "commit": commit,
             "through": "gate_passages" in (c.get("timings") or {})
                        and not (c.get("reason") or "").startswith(GATE_REFUSED),
             "cited_correct": bool(c["cited_correct"]), "wrong_shown": bool(c["wrong_shown"]),
             "refused": bool(c["refused"]), "answer": (c.get("answer") or "")[:160]}
            for c in run["cases"]]


def outcome(row: dict, on: bool) -> dict:
    """The row's outcome with the second look on (as run) or off (refused if it let it through)."""
    if on or not row["through"]:
        return row
    return {**row, "cited_correct": False, "wrong_shown": False, "refused": True}


def table(rows: list[dict]) -> list[str]:
    lines = ["| split | second look | cited-correct | wrong shown | false refusals | unanswerable refused |",
             "|---|---|---|---|---|---|"]
    for split in ("tune", "report"):
        part = [r for r in rows if r["split"] == split]
        ans, una = [r for r in part if not r["unanswerable"]], [r for r in part if r["unanswerable"]]
        for on in (False, True):
            a = [outcome(r, on) for r in ans]
            u = [outcome(r, on) for r in una]
            lines.append(f"| {split} | {'on' if on else 'off'} | {sum(r['cited_correct'] for r in a)} of "
                         f"{len(a)} | {sum(r['wrong_shown'] for r in a)} | {sum(r['refused'] for r in a)} "
                         f"| {sum(r['refused'] for r in u)} of {len(u)} |")
    lines += ["", "Let through by the second look (refused without it):", ""]
    for r in [r for r in rows if r["through"]]:
        verdict = ("unanswerable, answered" if r["unanswerable"] else "cited-correct" if r["cited_correct"]
                   else "wrong shown" if r["wrong_shown"] else "refused later" if r["refused"]
                   else "not correct")
        lines.append(f"- {r['split']}: \"{r['question']}\": {verdict}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--run", help="an eval run of the users suite made with QA_ANSWER__GATE_PASSAGE set")
    src.add_argument("--cases", help="re-derive from these saved rows instead")
    ap.add_argument("--write", help="write the table as this command's figure block in a markdown file")
    args = ap.parse_args()
    from qa.provenance import Provenance, write_block

    if args.run:
        run = json.loads(Path(args.run).read_text())
        rows = rows_of(run)
        CASES.write_text("".join(json.dumps(r) + "\n" for r in rows))
        (CASES.with_suffix(".provenance.json")).write_text(json.dumps(run["provenance"]) + "\n")
    else:
        rows = [json.loads(x) for x in Path(args.cases).open()]
    provenance = Provenance(**json.loads(CASES.with_suffix(".provenance.json").read_text()))
    lines = [f"{len(rows)} users-suite questions, one run at commit "
             f"{', '.join(sorted({r['commit'] for r in rows}))}\n", *table(rows)]
    print("\n".join(lines))
    if args.write:
        write_block(Path(args.write), " ".join(["python", "bench/second_look.py", *sys.argv[1:]]),
                    "\n".join(lines), provenance)


if __name__ == "__main__":
    main()
