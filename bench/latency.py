"""Latency as a user meets it: distinct questions, each from a cold prompt cache.

    python bench/latency.py [--n 12] [--write docs/latency.md]

For each question (the seed suite's answerable ones, then MultiHop-RAG dev queries, each asked
once), the local model's prompt cache is emptied first, then `qa.answer.ask` runs as the app
runs it (litellm imported and the model loaded before the first is timed, as the app does at
start: qa.service.service.Service.warm). Printed per question: the prompt tokens of the answer call
(the gate's prompt is the same prefix), the seconds to the first shown (checked) sentence,
the total, and the ratio of qa's total to llama.cpp's own time for the same prompt and
output: the answer prompt read once from a cold cache and the same number of tokens
generated, through llama-cpp-python directly (the limit qa can approach; qa adds retrieval,
evidence, the gate and the check).

The pipelines run in the same bench run on the same questions: `sentences` (the default: the
model reads the evidence sentences; a yes/no question's verdict, qa/answer/verdict.py, is shown before
the reasons are written), `chunks` (whole chunks, and no verdict), and `before`: the code of
the commit issue 14 was filed against (`--before`, default bench/before.py's FILED_AT), run in
a subprocess from its own tree with the same model file, so "0.5x today's" is a ratio measured
on one machine in one run (`--before ''` leaves it out).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import before  # noqa: E402
from qa import prompts  # noqa: E402
from qa.answer.ask import ask, gather  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.evals.cases import load_suite  # noqa: E402
from qa.evals.run import prepare_store  # noqa: E402
from qa.llm import local_llama, reset_local_state, warm  # noqa: E402


def llama_own(settings: Settings, messages: list[dict], n_out: int) -> float:
    """Seconds llama-cpp-python takes, alone, to read these messages cold and write n_out tokens."""
    llama = local_llama(settings)
    llama.reset()
    t = time.perf_counter()
    llama.create_chat_completion(messages=messages, max_tokens=max(n_out, 1), temperature=0.0,
                                 logit_bias={llama.token_eos(): -100.0})
    return time.perf_counter() - t


# Runs on the earlier commit (bench/before.py): its own ask(), stores and prompts.
BEFORE_DRIVER = r"""
import json, sys, time
from qa import prompts
from qa.answer import ask  # a500485's flat layout: qa/answer.py
from qa.config import Settings
from qa.evals.cases import load_suite
from qa.evals.run import prepare_store
from qa.llm import local_llama, reset_local_state

import litellm  # noqa: F401  (imported and the model loaded before timing, as qa's bench does)
local_llama(Settings())
stores = {}
for job in json.load(sys.stdin):
    if job["suite"] not in stores:
        stores[job["suite"]] = prepare_store(load_suite(job["suite"]), Settings())
    store = stores[job["suite"]]
    reset_local_state()
    shown = []
    t = time.perf_counter()
    ans = ask(job["question"], store.settings, store,
              on_sentence=lambda s: shown.append(time.perf_counter() - t))
    total = time.perf_counter() - t
    msgs = prompts.messages("answer", ans.passages, question=job["question"].strip())
    text = " ".join(m["content"] for m in msgs).encode()
    n = len(local_llama(store.settings).tokenize(text, special=True))
    print(json.dumps({"prompt": n, "first": shown[0] if shown else None, "total": total,
                      "ratio": None, "refused": ans.refused}), flush=True)
"""


def one(question: str, settings: Settings, store) -> dict:
    reset_local_state()
    shown: list[float] = []
    t = time.perf_counter()
    ans = ask(question, settings, store, on_sentence=lambda s: shown.append(time.perf_counter() - t))
    total = time.perf_counter() - t
    passages, _ = gather(question, settings, store)
    messages = prompts.messages("answer", passages, question=question.strip())
    llama = local_llama(settings)
    n_prompt = len(llama.tokenize(" ".join(m["content"] for m in messages).encode(), special=True))
    n_out = len(llama.tokenize(ans.draft.encode(), add_bos=False)) if ans.draft else 0
    own = llama_own(settings, messages, n_out) if ans.draft else None
    return {"prompt": n_prompt, "first": shown[0] if shown else None, "total": total,
            "ratio": total / own if own else None, "refused": ans.refused}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12, help="questions (half seed, half MultiHop-RAG)")
    ap.add_argument("--write", help="write the table as this command's figure block in a markdown file")
    ap.add_argument("--before", default=before.FILED_AT,
                    help="also run this earlier commit's pipeline on the same questions ('' = don't)")
    args = ap.parse_args()
    base = Settings(data_dir=Path(tempfile.mkdtemp(prefix="qa-lat-")), models_dir=Settings().model_dir)
    seed, multi = load_suite("seed"), load_suite("multihop")
    picks = [(seed, c) for c in seed.cases if not c.refuse][: args.n // 2]
    picks += [(multi, c) for c in multi.cases if not c.refuse][: args.n - len(picks)]
    stores = {s.suite: prepare_store(s, base) for s in (seed, multi)}
    warm(base)  # as the app does at start: litellm imported, the model loaded
    rows: dict[str, list[dict]] = {"sentences": [], "chunks": []}
    for suite, case in picks:
        store = stores[suite.suite]
        for mode in rows:
            s = store.settings.model_copy(deep=True)
            s.evidence.sentences = s.answer.verdict = mode == "sentences"
            r = one(case.question, s, store)
            rows[mode].append(r)
            first = f"{r['first']:.1f}" if r["first"] is not None else "-"
            ratio = f"{r['ratio']:.2f}" if r["ratio"] else "-"
            print(f"{mode:9} {r['prompt']:5} tok  first {first:>5} s  total {r['total']:5.1f} s  "
                  f"x{ratio}  {case.id}", flush=True)
    if args.before:
        jobs = [{"suite": suite.suite, "question": case.question} for suite, case in picks]
        rows["before"] = before.run(args.before, BEFORE_DRIVER, jobs, base.model_dir)
        for r, (_, case) in zip(rows["before"], picks):
            first = f"{r['first']:.1f}" if r["first"] is not None else "-"
            print(f"before    {r['prompt']:5} tok  first {first:>5} s  total {r['total']:5.1f} s  "
                  f"{case.id}", flush=True)

    def med(mode: str, key: str) -> float | None:
        vals = [r[key] for r in rows[mode] if r[key] is not None]
        return statistics.median(vals) if vals else None

    def fmt(v: float | None, spec: str) -> str:
        return format(v, spec) if v is not None else "—"

    lines = [f"{len(picks)} distinct questions ({len(picks) - args.n // 2} MultiHop-RAG, the rest seed), "
             "each from a cold prompt cache; medians"
             + (f"; `before` is commit {args.before}'s pipeline, run in the same bench run" if args.before
                else ""), "",
             "| pipeline | prompt tokens | first shown sentence, s | total, s | total / llama.cpp alone "
             "| answered |", "|---|---|---|---|---|---|"]
    for mode in rows:
        lines.append(f"| {mode} | {fmt(med(mode, 'prompt'), '.0f')} | {fmt(med(mode, 'first'), '.1f')} | "
                     f"{fmt(med(mode, 'total'), '.1f')} | {fmt(med(mode, 'ratio'), '.2f')} | "
                     f"{sum(not r['refused'] for r in rows[mode])} of {len(rows[mode])} |")
    lines.append("")
    for other in ("chunks", "before"):
        for key, what in (("first", "first shown sentence"), ("total", "total")):
            a, b = med("sentences", key), med(other, key) if other in rows else None
            if a and b:
                lines.append(f"{what}, sentences / {other}: {a / b:.2f}  ")
    print("\n".join(lines))
    if args.write:
        from qa.provenance import collect, write_block

        write_block(Path(args.write), " ".join(["python", "bench/latency.py", *sys.argv[1:]]),
                    "\n".join(lines), collect(base, n=len(picks), evidence_tokens=base.evidence.tokens,
                                              before=args.before or "none"))


if __name__ == "__main__":
    main()
