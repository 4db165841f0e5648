"""Measure the local LLM as a yes/no support judge on goyal21 (a balanced sample).

    python bench/judge.py [--n 30]

Prints balanced accuracy and seconds per summary for: the rule+semantic checker, the LLM
judge, and both combined (flag if either flags).
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

from bench.checker import balanced_accuracy, score_rows  # noqa: E402
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
    args = ap.parse_args()
    rows = [json.loads(x) for x in open(ROOT.parent / "shared/data/faithfulness-dev/goyal21.jsonl")]
    bad = [r for r in rows if r["error_type"] not in (None, "None", "['noise']")]
    good = [r for r in rows if r["error_type"] in (None, "None", "['noise']")]
    random.seed(0)
    sample = random.sample(bad, args.n // 2) + random.sample(good, args.n // 2)
    gold = [r in bad for r in sample]
    settings = Settings()
    rules = [h is not None or w < settings.answer.support_threshold for h, w in score_rows(sample)]
    t = time.perf_counter()
    llm = [not judge(settings, r["doc"], r["summary"]) for r in sample]
    secs = (time.perf_counter() - t) / len(sample)
    both = [a or b for a, b in zip(rules, llm)]
    print(f"goyal21 balanced sample of {len(sample)}:")
    print(f"  rules+semantic checker: balanced accuracy {balanced_accuracy(rules, gold):.3f}")
    print(f"  LLM judge (1.5B):       balanced accuracy {balanced_accuracy(llm, gold):.3f}, "
          f"{secs:.1f} s/summary")
    print(f"  either flags:           balanced accuracy {balanced_accuracy(both, gold):.3f}")


if __name__ == "__main__":
    main()
