"""Measure the local LLM as a yes/no support judge on goyal21 (a balanced sample).

    python bench/judge.py [--n 30] [--write docs/checker.md]

Prints balanced accuracy and seconds per summary for: the rule+semantic checker, the LLM
judge, and both combined (flag if either flags). goyal21 is read from ../shared (it carries no
licence, so it is not in the repository). The judge has no threshold: nothing is tuned here.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.checker import GOYAL, balanced_accuracy, flagged_by_people, score_rows  # noqa: E402
from qa import prompts  # noqa: E402
from qa.chunking import split_sentences  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.llm import complete  # noqa: E402


def judge(settings: Settings, doc: str, summary: str) -> bool:
    """True when the LLM says every summary sentence is supported."""
    for s, e in split_sentences(summary) or [(0, len(summary))]:
        msg = [{"role": "user", "content": prompts.render("judge", evidence=doc[:3000],
                                                          claim=summary[s:e])}]
        if not "".join(complete(settings, msg, max_tokens=2)).strip().lower().startswith("yes"):
            return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--write", help="write the table as this command's figure block in a markdown file")
    args = ap.parse_args()
    if not GOYAL.is_file():
        sys.exit(f"{GOYAL} is absent: goyal21 is read from ../shared beside the project")
    rows = [json.loads(x) for x in GOYAL.open()]
    bad = [r for r in rows if flagged_by_people(r)]
    good = [r for r in rows if not flagged_by_people(r)]
    random.seed(0)
    sample = random.sample(bad, args.n // 2) + random.sample(good, args.n // 2)
    gold = [r in bad for r in sample]
    settings = Settings()
    rules = [h is not None or w < settings.answer.support_threshold for h, w in score_rows(sample)]
    t = time.perf_counter()
    llm = [not judge(settings, r["doc"], r["summary"]) for r in sample]
    secs = (time.perf_counter() - t) / len(sample)
    both = [a or b for a, b in zip(rules, llm)]
    lines = [f"goyal21, a balanced sample of {len(sample)} (seed 0): the local model as a yes/no judge",
             "", "| checker | balanced accuracy | seconds per summary |", "|---|---|---|",
             f"| rules + semantic, threshold {settings.answer.support_threshold:.2f} | "
             f"{balanced_accuracy(rules, gold):.3f} | |",
             f"| LLM judge ({settings.model}) | {balanced_accuracy(llm, gold):.3f} | {secs:.1f} |",
             f"| either flags | {balanced_accuracy(both, gold):.3f} | |"]
    print("\n".join(lines))
    if args.write:
        from qa.provenance import collect, write_block

        write_block(Path(args.write), " ".join(["python", "bench/judge.py", *sys.argv[1:]]),
                    "\n".join(lines), collect(settings, n=args.n))


if __name__ == "__main__":
    main()
