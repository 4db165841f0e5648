"""Cited summaries measured on the seed article and on full-length news articles.

    python bench/summaries.py [--n 20] [--whole] [--before REV] [--write docs/summaries.md]

Per article, with the real local model and the citation checker on: `chosen` (the default:
the news-carrying sentences are chosen, and the model shortens each to one sentence) and, with
`--whole`, the current code with the model reading the whole article (in parts when long).
- words of the shown summary, and compression: its characters / the article's;
- duplicates: shown sentences that state what an earlier shown one states (most content words
  shared), counted by this bench's own rule on the shown text;
- key-fact coverage: share of the article's first five key figures (qa.news.keyfacts, extracted
  from the text) whose number the shown summary states;
- supported (judge): share of shown sentences that a judge model, asked separately whether
  the cited passages state the sentence, answers yes to (P(yes) >= 0.5). The judge is the
  small local model (Qwen2.5-Coder-0.5B, `--judge`), not the 1.5B that wrote the summary and
  whose P(yes) is part of the product's own check (qa/check/support.py): a metric is not graded by
  the component it measures;
- seconds per summary, and its ratio to llama.cpp's own time for the same prompts and output
  (the prompts read from a cold cache and the same number of tokens written, directly).
Another pipeline, `before`, is the code of the commit issue 19 was filed against (`--before`,
default bench/before.py's FILED_AT), run in a subprocess from its own tree on the same
articles with the same model file, so "summary time <= 0.5x today's" is a ratio measured on one
machine in one run (`--before ''` leaves it out); its row has words, compression, refusals
and seconds only.
For the seed article it also checks the issue's targets: at most 90 words; the doubling of
live facial recognition, the 1,000+ arrests, the £260 million shortfall and Liberty's
objection stated. The dev articles are the MultiHop-RAG distractors (BBC/CNN full texts),
read from ../shared because they carry no licence; without it only the seed is measured.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data" / "multihop-rag-dev"

from bench import before  # noqa: E402
from qa import prompts  # noqa: E402
from qa.check.markers import parse_markers, split_answer  # noqa: E402
from qa.check.words import content_words  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.index.store import Store  # noqa: E402
from qa.ingest.add import ingest  # noqa: E402
from qa.llm import local_llama, reset_local_state, yes_probability  # noqa: E402
from qa.news.summarize import Summary, sized, summarize_article  # noqa: E402
from qa.numbers import number_values  # noqa: E402
from qa.resources import SEEDS_DIR as SEEDS  # noqa: E402

SEED_TARGETS = {"doubling of live facial recognition": ("double",), "1,000+ arrests": ("1,000", "1000"),
                "£260 million shortfall": ("260",), "Liberty's objection": ("Liberty", "Whelton")}


# Runs on the earlier commit (bench/before.py): its own ingest, store and summarize_article.
BEFORE_DRIVER = r"""
import json, sys, time
from pathlib import Path
from qa.config import Settings
from qa.ingest import ingest  # a500485's flat layout: qa/ingest.py, qa/store.py ...
from qa.llm import reset_local_state
from qa.store import Store
from qa.summarize import summarize_article

job = json.load(sys.stdin)
store = Store(Settings())
ingest([Path(p) for p in job["paths"]], store)
ids = {a["title"]: a["id"] for a in store.list_articles()}
for title in job["titles"]:
    reset_local_state()
    t = time.perf_counter()
    s = summarize_article(ids[title], store.settings, store)
    print(json.dumps({"title": title[:50], "words": len(s.text.split()), "refused": s.refused,
                      "seconds": time.perf_counter() - t, "text": s.text}), flush=True)
"""


def duplicates(sentences: list[str]) -> int:
    seen: list[set[str]] = []
    dup = 0
    for s in sentences:
        w = content_words(s)
        dup += any(w and len(w & o) / len(w | o) >= 0.6 for o in seen)
        seen.append(w)
    return dup


def judged(summary: Summary, judge: Settings) -> float | None:
    shown = [s for s in summary.sentences if s.shown and s.kind == "claim"]
    if not shown:
        return None
    ok = 0
    for s in shown:
        evidence = "\n\n".join(summary.passages[n - 1].text for n in s.citations)
        msg = [{"role": "user", "content": prompts.render("judge", evidence=evidence, claim=s.text)}]
        ok += (yes_probability(judge, msg) or 0.0) >= 0.5
    return ok / len(shown)


def calls(settings: Settings, summary: Summary) -> list[tuple[list[dict], str]]:
    """The summary's model calls as (prompt, what it wrote), for llama.cpp alone to repeat."""
    from qa.news.summarize import _groups, shorten_messages

    if settings.summary.select:  # one call a chosen passage, each writing sentence [k]
        sentences, _ = split_answer(summary.draft, len(summary.passages))
        said = {x.citations[0]: x.text for x in sentences if x.citations}
        return [(shorten_messages(p, settings.summary.sentence_words), said.get(k, ""))
                for k, p in enumerate(summary.passages, 1)]
    groups = _groups(summary.passages, settings.summary.token_budget) if summary.parts > 1 else [
        list(range(1, len(summary.passages) + 1))]
    share = summary.draft[: len(summary.draft) // len(groups)]
    return [(prompts.messages("summary", summary.passages, g, n_max=str(settings.summary.max_sentences),
                              words=str(settings.summary.max_words)), share) for g in groups]


def llama_alone(settings: Settings, summary: Summary) -> float:
    """llama.cpp's own time for the summary's model calls: each prompt read cold and as many
    tokens written as the call wrote, through llama-cpp-python directly."""
    llama = local_llama(settings)
    total = 0.0
    for msgs, wrote in calls(settings, summary):
        n_out = max(1, len(llama.tokenize(wrote.encode(), add_bos=False)))
        llama.reset()
        t = time.perf_counter()
        llama.create_chat_completion(messages=msgs, max_tokens=n_out, temperature=0.0,
                                     logit_bias={llama.token_eos(): -100.0})
        total += time.perf_counter() - t
    return total


def measure(store: Store, settings: Settings, article: dict, judge: Settings) -> dict:
    reset_local_state()
    t = time.perf_counter()
    s = summarize_article(article["id"], settings, store)
    wall = time.perf_counter() - t
    shown = [x.text for x in s.sentences if x.shown and x.kind == "claim"]
    figures = [f for f in s.key_facts if f.kind == "figure"][:5]
    values = number_values(parse_markers(s.text, len(s.passages))[0])  # "[2]" states no figure
    covered = sum(bool(number_values(f.text)) and number_values(f.text) <= values for f in figures)
    return {"title": s.subject[:50], "words": len(s.text.split()), "refused": s.refused,
            "compression": len(s.text) / article["chars"], "dup": duplicates(shown),
            "covered": covered, "facts": len(figures), "judge": judged(s, judge), "seconds": wall,
            "alone": llama_alone(sized(settings, len(store.text(article["id"]).split())), s),
            "text": s.text}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20, help="dev articles (>= 200 words each)")
    ap.add_argument("--write", help="write the tables as this command's figure block in a markdown file")
    ap.add_argument("--judge", default="local/qwen2.5-coder-0.5b",
                    help="the model judging support (not the one that writes and checks)")
    ap.add_argument("--before", default=before.FILED_AT,
                    help="also run this earlier commit's summaries on the same articles ('' = don't)")
    ap.add_argument("--whole", action="store_true",
                    help="also the current code with the model reading the whole article (select off)")
    args = ap.parse_args()
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="qa-sum-")), models_dir=Settings().model_dir)
    store = Store(settings)
    dev_file = SHARED / "distractors.jsonl"
    if not dev_file.is_file():
        print(f"{dev_file} is absent: measuring the seed article only", file=sys.stderr)
    rows = [json.loads(x) for x in dev_file.open()] if dev_file.is_file() else []
    picked = [r for r in rows if len(r["text"].split()) >= 200][: args.n]
    corpus = Path(settings.data_dir) / "dev.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in picked))
    ingest([SEEDS, corpus], store)
    arts = sorted(store.list_articles(), key=lambda a: not a["key"].startswith(str(SEEDS)))  # seed first
    results: dict[str, list[dict]] = {"chosen": [], **({"whole": []} if args.whole else {})}
    for a in arts:
        for mode in results:
            s = settings.model_copy(deep=True)
            s.summary.select = mode == "chosen"
            r = measure(store, s, a, settings.model_copy(update={"model": args.judge}))
            results[mode].append(r)
            print(f"{mode:6} {r['seconds']:5.0f} s  {r['words']:3} words  dup {r['dup']}  "
                  f"{r['covered']}/{r['facts']} figures  judge {r['judge']}  {r['title']}", flush=True)
    if args.before:
        job = {"paths": [str(SEEDS), str(corpus)], "titles": [a["title"] for a in arts]}
        results["before"] = before.run(args.before, BEFORE_DRIVER, job, settings.model_dir)
        for r, a in zip(results["before"], arts):
            r["compression"] = len(r["text"]) / a["chars"]
            print(f"before {r['seconds']:5.0f} s  {r['words']:3} words  {r['title']}", flush=True)
    lines = [f"Seed article + {len(arts) - 1} dev articles; medians over articles unless said"
             + (f"; `before` is commit {args.before}'s pipeline, run in the same bench run" if args.before
                else ""), "",
             "| pipeline | words | compression | duplicates (total) | key figures covered "
             f"| supported (judge: {args.judge}) | shown as refusals | seconds | seconds / llama.cpp alone |",
             "|---|---|---|---|---|---|---|---|---|"]
    for mode, rs in results.items():
        if mode == "before":
            lines.append(f"| before | {statistics.median(r['words'] for r in rs):.0f} | "
                         f"{statistics.median(r['compression'] for r in rs):.3f} | — | — | — | "
                         f"{sum(r['refused'] for r in rs)} | "
                         f"{statistics.median(r['seconds'] for r in rs):.1f} | — |")
            continue
        judge = [r["judge"] for r in rs if r["judge"] is not None]
        lines.append(
            f"| {mode} | {statistics.median(r['words'] for r in rs):.0f} | "
            f"{statistics.median(r['compression'] for r in rs):.3f} | {sum(r['dup'] for r in rs)} | "
            f"{sum(r['covered'] for r in rs)} of {sum(r['facts'] for r in rs)} | "
            f"{statistics.mean(judge) if judge else 0:.2f} | {sum(r['refused'] for r in rs)} | "
            f"{statistics.median(r['seconds'] for r in rs):.1f} | "
            f"{statistics.median(r['seconds'] / r['alone'] for r in rs if r['alone']):.2f} |")
    times = {m: statistics.median(r["seconds"] for r in rs) for m, rs in results.items()}
    seed = results["chosen"][0]
    said = {k: any(w in seed["text"] for w in ws) for k, ws in SEED_TARGETS.items()}
    lines += [""] + [f"time per summary, chosen / {m}: {times['chosen'] / times[m]:.2f}  "
                     for m in times if m != "chosen"] + ["",
              f"Seed summary ({seed['words']} words; target <= 90): " + ", ".join(
                  f"{k} {'stated' if v else 'MISSING'}" for k, v in said.items()), "",
              "> " + seed["text"].replace("\n", "\n> ")]
    print("\n".join(lines))
    if args.write:
        from qa.provenance import collect, write_block

        write_block(Path(args.write), " ".join(["python", "bench/summaries.py", *sys.argv[1:]]),
                    "\n".join(lines), collect(settings, n=args.n, sentences=settings.summary.max_sentences,
                                              share=settings.summary.share,
                                              sentence_words=settings.summary.sentence_words,
                                              evidence_tokens=settings.summary.evidence_tokens,
                                              judge=args.judge, before=args.before or "none"))


if __name__ == "__main__":
    main()
