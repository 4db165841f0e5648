"""Cited summaries measured on the seed article and on 20 dev-corpus articles.

    python bench/summaries.py [--n 20] [--model local/qwen2.5-coder-1.5b] [--write docs/summaries.md]

Per article, with the real model and the citation checker on:
- key-fact coverage: share of the article's key facts (qa.keyfacts: figures and quotes,
  extracted from the text) that the shown summary states: a figure when a shown sentence
  carries a number of the same value, a quote when a shown sentence names its speaker (the
  checker has verified the attribution and the numbers against the cited passage);
- passed: share of the model's draft sentences that passed the checker (whether the shown
  ones are truly supported needs a judge other than the checker: issue 15);
- compression: summary characters / article characters;
- time: wall seconds for the summary (model calls + checking); parts > 1 means map-reduce.
For the seed article it also lists which of the issue's required facts the key-fact list and
the summary carry. The dev articles are MultiHop-RAG's distractors (full BBC/CNN texts), read
from ../shared because they carry no licence; the repository's MultiHop-RAG articles hold
only evidence sentences, too short to summarise. Without ../shared, only the seed is measured.
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
SHARED = ROOT.parent / "shared" / "data" / "multihop-rag-dev"

from qa.config import Settings  # noqa: E402
from qa.ingest import SEEDS, ingest  # noqa: E402
from qa.numbers import number_values  # noqa: E402
from qa.store import Store  # noqa: E402
from qa.summarize import Summary, summarize_article  # noqa: E402

# the required facts: number values, or a speaker's name
SEED_REQUIRED: dict[str, set[float] | str] = {
    "1,000+ arrests": {1000}, "773 charged or cautioned": {773}, "4 -> 10 deployments a week": {4, 10},
    "£260 million shortfall": {260e6}, "Rowley quote": "Rowley", "Whelton quote": "Whelton"}


def states(text: str, fact: set[float] | str) -> bool:
    return fact in text if isinstance(fact, str) else fact <= number_values(text)


def coverage(summary: Summary, shown: list[str]) -> tuple[int, int]:
    shown_text = " ".join(shown)
    values = number_values(shown_text)
    hit = 0
    for f in summary.key_facts:
        if f.kind == "figure":
            own = number_values(f.text)
            hit += bool(own) and own <= values
        else:
            surname = f.speaker.split()[-1] if f.speaker else ""
            hit += bool(surname) and surname in shown_text
    return hit, len(summary.key_facts)


def measure(store: Store, settings: Settings, article_id: str, chars: int) -> dict:
    t = time.perf_counter()
    s = summarize_article(article_id, settings, store)
    wall = time.perf_counter() - t
    kept = [x for x in s.sentences if x.supported][: settings.summary.max_sentences]  # as shown
    hit, total = coverage(s, [x.text for x in kept])
    return {"title": s.subject[:60], "chars": chars, "facts": total, "covered": hit,
            "shown": len(kept), "draft": len(s.sentences),
            "supported_draft": sum(x.supported for x in s.sentences) / max(len(s.sentences), 1),
            "compression": len(s.text) / chars, "seconds": wall, "parts": s.parts,
            "summary": s}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20, help="dev-corpus articles (>= 200 words each)")
    ap.add_argument("--model", default=None, help="litellm model id (default: QA_MODEL)")
    ap.add_argument("--write", help="write the markdown table here")
    args = ap.parse_args()
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="qa-sum-")),
                        **({"model": args.model} if args.model else {}))
    store = Store(settings)
    dev_file = SHARED / "distractors.jsonl"
    if not dev_file.is_file():
        print(f"{dev_file} is absent: measuring the seed article only", file=sys.stderr)
    rows = [json.loads(x) for x in dev_file.open()] if dev_file.is_file() else []
    picked = [r for r in rows if len(r["text"].split()) >= 200][: args.n]
    corpus = Path(settings.data_dir) / "dev.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in picked))
    ingest([SEEDS, corpus], store)
    arts = store.list_articles()
    seed = [a for a in arts if a["key"].startswith(str(SEEDS))]
    dev = [a for a in arts if not a["key"].startswith(str(SEEDS))]
    results = []
    for a in seed + dev:
        results.append(measure(store, settings, a["id"], a["chars"]))
        r = results[-1]
        print(f"{r['seconds']:5.0f} s  {r['covered']}/{r['facts']} facts  {r['shown']}/{r['draft']} "
              f"sentences  {r['title']}", flush=True)
    lines = [f"Model `{settings.model}`, checker on; seed article + {len(dev)} dev-corpus articles "
             "(MultiHop-RAG distractors of >= 200 words, in file order).", "",
             "| article | chars | key facts covered | shown / draft sentences "
             "| passed the checker (draft) | compression | parts | seconds |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['title']} | {r['chars']} | {r['covered']}/{r['facts']} | "
                     f"{r['shown']}/{r['draft']} | "
                     f"{r['supported_draft']:.2f} | {r['compression']:.3f} | {r['parts']} | "
                     f"{r['seconds']:.0f} |")

    def total(rs: list[dict], label: str) -> str:
        facts = sum(r["facts"] for r in rs)
        cov = sum(r["covered"] for r in rs) / max(facts, 1)
        shown = sum(r["shown"] for r in rs)
        draft = sum(r["draft"] for r in rs)
        passed = sum(r["supported_draft"] * r["draft"] for r in rs)
        secs = sorted(r["seconds"] for r in rs)
        return (f"| **{label}** ({len(rs)}) | {sum(r['chars'] for r in rs)} | {cov:.2f} of {facts} | "
                f"{shown}/{draft} | {passed / max(draft, 1):.2f} | "
                f"{sum(r['compression'] for r in rs) / len(rs):.3f} (mean) | "
                f"{sum(r['parts'] > 1 for r in rs)} map-reduce | median {secs[len(secs) // 2]:.0f}, "
                f"max {secs[-1]:.0f} |")

    if dev:
        lines.append(total(results[len(seed):], "dev articles"))
    lines.append(total(results, "all"))
    s = results[0]["summary"]
    facts_text = " ".join(f"{f.text} {f.speaker}" for f in s.key_facts)
    lines += ["", "Seed article: the issue's required facts in the key-fact list / in the summary", "",
              "| fact | key facts | summary |", "|---|---|---|"]
    for label, fact in SEED_REQUIRED.items():
        lines.append(f"| {label} | {'yes' if states(facts_text, fact) else 'no'} | "
                     f"{'yes' if states(s.text, fact) else 'no'} |")
    lines += ["", "Seed summary:", "", "> " + s.text.replace("\n", "\n> ")]
    print("\n".join(lines))
    if args.write:
        from qa.provenance import collect, write_block

        write_block(Path(args.write), " ".join(["python", "bench/summaries.py", *sys.argv[1:]]),
                    "\n".join(lines), collect(settings, n=args.n,
                                              max_sentences=settings.summary.max_sentences))


if __name__ == "__main__":
    main()
