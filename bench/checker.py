"""Calibrate the citation checker on one half of a labelled set and report it on the other.

    python bench/checker.py [--data FILE] [--write docs/checker.md]

Data: JSONL rows of `doc`, `summary`, `error_type` (null/"None" = faithful). Default: goyal21
(150 BBC/XSum and CNN/DailyMail summaries labelled by people, Goyal & Durrett 2021 via
AggreFact), read from ../shared/data/faithfulness-dev/ because it carries no licence and so is
not in the repository; the bench says so and stops when it is absent.

A summary is flagged when any of its sentences fails the check against the whole document.
Rows are split by position (even: tuning half, odd: report half). The threshold is chosen
on the tuning half only; the report half is scored with it and with the production threshold
(`QA_ANSWER__SUPPORT_THRESHOLD`). Balanced accuracy = mean of recall on flagged and on
faithful summaries. The last line always scores the whole FILE at the production setting,
with no tuning on it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOYAL = ROOT.parent / "shared" / "data" / "faithfulness-dev" / "goyal21.jsonl"

from qa.chunking import split_sentences  # noqa: E402
from qa.cite import hard_checks, overlap  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.embed import embed_batch  # noqa: E402

THRESHOLDS = [round(t, 2) for t in np.arange(0.30, 0.86, 0.05)]


def flagged_by_people(row: dict) -> bool:
    return row.get("error_type") not in (None, "None", "['noise']", "")


def balanced_accuracy(pred: list[bool], gold: list[bool]) -> float:
    pos = [p for p, g in zip(pred, gold) if g]
    neg = [not p for p, g in zip(pred, gold) if not g]
    return ((sum(pos) / len(pos) if pos else 0) + (sum(neg) / len(neg) if neg else 0)) / 2


def precision_recall(pred: list[bool], gold: list[bool]) -> tuple[float, float]:
    tp = sum(p and g for p, g in zip(pred, gold))
    return (tp / sum(pred) if any(pred) else 0.0), (tp / sum(gold) if any(gold) else 0.0)


def score_rows(rows):
    """Per summary: (hard-check failure or None, min over sentences of best support score)."""
    out = []
    for r in rows:
        doc = r["doc"]
        doc_sents = [doc[s:e] for s, e in split_sentences(doc)] or [doc]
        summ = [r["summary"][s:e] for s, e in split_sentences(r["summary"])] or [r["summary"]]
        vecs = embed_batch(summ + doc_sents)
        sv, dv = vecs[:len(summ)], vecs[len(summ):]
        worst = 1.0
        hard = None
        for i, sent in enumerate(summ):
            hard = hard or hard_checks(sent, doc)
            cos = dv @ sv[i]
            best = max(0.5 * float(c) + 0.5 * overlap(sent, d) for c, d in zip(cos, doc_sents))
            worst = min(worst, best)
        out.append((hard, worst))
    return out


def flags(scored, threshold: float) -> list[bool]:
    return [h is not None or w < threshold for h, w in scored]


def row_line(name: str, pred: list[bool], gold: list[bool]) -> str:
    p, r = precision_recall(pred, gold)
    ba = balanced_accuracy(pred, gold)
    return f"| {name} | {ba:.3f} | {p:.3f} | {r:.3f} | {sum(pred)} of {len(pred)} |"


def report(rows: list[dict], name: str, production: float) -> tuple[list[str], str]:
    gold = [flagged_by_people(r) for r in rows]
    t = time.perf_counter()
    scored = score_rows(rows)
    per = (time.perf_counter() - t) / len(rows)
    tune = [i for i in range(len(rows)) if i % 2 == 0]
    held = [i for i in range(len(rows)) if i % 2 == 1]

    def part(idx, th):
        return flags([scored[i] for i in idx], th), [gold[i] for i in idx]

    best = max(THRESHOLDS, key=lambda th: (balanced_accuracy(*part(tune, th)), -th))
    rules = [h is not None for h, _ in scored]
    lines = [f"{name}: {len(rows)} summaries, {sum(gold)} flagged by people; tuning half {len(tune)}, "
             f"report half {len(held)}; checker {per * 1000:.0f} ms per summary", "",
             "| on the report half | balanced accuracy | precision | recall | flagged |",
             "|---|---|---|---|---|",
             row_line("numbers/quotes/names only", [rules[i] for i in held], [gold[i] for i in held]),
             row_line(f"full checker, threshold {best:.2f} (best on the tuning half)", *part(held, best)),
             row_line(f"full checker, production threshold {production:.2f}", *part(held, production))]
    pred, g = flags(scored, production), gold
    last = (f"production setting: balanced accuracy {balanced_accuracy(pred, g):.3f} "
            f"(threshold {production:.2f}, {len(rows)} summaries)")
    return lines, last


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="a JSONL of doc, summary, error_type (default: goyal21 from ../shared)")
    ap.add_argument("--write", help="write the table as this command's figure block in a markdown file")
    args = ap.parse_args()
    path = Path(args.data) if args.data else GOYAL
    if not path.is_file():
        sys.exit(f"{path} is absent: goyal21 carries no licence, so it is read from ../shared "
                 "beside the project; give --data FILE for another labelled set")
    rows = [json.loads(x) for x in path.open(encoding="utf-8") if x.strip()]
    settings = Settings()
    lines, last = report(rows, path.stem, settings.answer.support_threshold)
    print("\n".join(lines) + "\n\n" + last)
    if args.write:
        from qa.provenance import collect, write_block

        command = " ".join(["python", "bench/checker.py", *sys.argv[1:]])
        write_block(Path(args.write), command, "\n".join(lines) + "\n\n" + last,
                    collect(settings, support_threshold=settings.answer.support_threshold))


if __name__ == "__main__":
    main()
