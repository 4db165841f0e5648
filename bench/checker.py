"""Calibrate and measure the citation checker on labelled data.

    python bench/checker.py            # prints a table; --write docs/checker.md to save it

goyal21 (../shared/data/faithfulness-dev/goyal21.jsonl): 150 news summaries, people marked the
unsupported ones. A summary is flagged when any of its sentences fails the check against the
whole document. We report balanced accuracy (mean of recall on flagged and on faithful
summaries) for each rule alone and for the full checker at several thresholds.
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

from qa.chunking import split_sentences  # noqa: E402
from qa.cite import hard_checks, overlap  # noqa: E402
from qa.embed import embed_batch  # noqa: E402


def balanced_accuracy(pred: list[bool], gold: list[bool]) -> float:
    pos = [p for p, g in zip(pred, gold) if g]
    neg = [not p for p, g in zip(pred, gold) if not g]
    return (sum(pos) / len(pos) + sum(neg) / len(neg)) / 2


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data/faithfulness-dev/goyal21.jsonl"))
    ap.add_argument("--write", help="also write the table to this markdown file")
    args = ap.parse_args()
    rows = [json.loads(x) for x in open(args.data)]
    gold = [r["error_type"] not in (None, "None", "['noise']") for r in rows]
    t = time.perf_counter()
    scored = score_rows(rows)
    secs = time.perf_counter() - t
    lines = [f"goyal21: {len(rows)} summaries, {sum(gold)} flagged by people; "
             f"checker time {secs / len(rows) * 1000:.0f} ms/summary", "",
             "| rule | balanced accuracy | flags |", "|---|---|---|"]
    hard = [h is not None for h, _ in scored]
    lines.append(f"| numbers/quotes/names only | {balanced_accuracy(hard, gold):.3f} | {sum(hard)} |")
    best = (0.0, 0.0)
    for th in np.arange(0.40, 0.86, 0.05):
        sem = [w < th for _, w in scored]
        both = [a or b for a, b in zip(hard, sem)]
        ba_sem, ba_both = balanced_accuracy(sem, gold), balanced_accuracy(both, gold)
        best = max(best, (ba_both, th))
        lines.append(f"| semantic < {th:.2f} | {ba_sem:.3f} | {sum(sem)} |")
        lines.append(f"| full checker, threshold {th:.2f} | {ba_both:.3f} | {sum(both)} |")
    lines += ["", f"best full-checker balanced accuracy {best[0]:.3f} at threshold {best[1]:.2f}"]
    print("\n".join(lines))
    if args.write:
        Path(args.write).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
