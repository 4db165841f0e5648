"""Copies and stories: precision and recall of the grouping, and what it costs.

    python bench/stories.py [--write docs/stories.md]

Two corpora, each in its own fresh store (real embedder, real Chroma, no model):
- fixture (tuning): the seed article, bench/data/stories/fixture.jsonl (four edited copies of
  it and an independent report of the same story) and seven MultiHop-RAG dev articles (one
  story told over five, two others); labels in bench/data/stories/expected.yaml. The
  thresholds in qa/config.py were chosen on this corpus (the copy rule's shingle size and
  its rule for short texts after looking at the dev corpus's real pairs: not held out).
- dev (report): all 326 MultiHop-RAG dev articles plus edited copies of 40 of them made here
  (seeded): a copy drops one paragraph of a text of three or more, or else changes one word in
  every 20, under another headline and outlet; recall is printed for texts of 40 words and
  more and for shorter ones (most of the sample's texts are two-sentence snippets). Copy
  labels: each made copy with its original (every other pair is a negative, so precision
  counts real articles wrongly joined). Story labels are a
  proxy, said so in the output: pairs of articles that are gold evidence of the same
  MultiHop-RAG query and published within the story window ("about the same thing"),
  which measures recall; precision has no labels there, so a sample of joined pairs is printed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "data" / "stories"
MULTIHOP = ROOT / "qa" / "evals" / "data" / "multihop-rag"

from qa.config import Settings  # noqa: E402
from qa.dates import day_of  # noqa: E402
from qa.index.copies import WORD, Copies, band_keys  # noqa: E402
from qa.index.store import Store  # noqa: E402
from qa.ingest.add import ingest, ingest_rows  # noqa: E402
from qa.news.stories import article_vectors, group_stories  # noqa: E402

COPY_SWEEP = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
STORY_SWEEP = [0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75]


def pairs(groups) -> set[frozenset]:
    return {frozenset(p) for g in groups for p in itertools.combinations(sorted(g), 2)}


def prf(got: set, gold: set) -> tuple[float, float, float]:
    tp = len(got & gold)
    p = tp / len(got) if got else 1.0
    r = tp / len(gold) if gold else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def fresh_store(name: str) -> Store:
    d = ROOT / ".qa" / "bench" / f"stories-{name}"
    shutil.rmtree(d, ignore_errors=True)
    return Store(Settings(data_dir=d))


def copy_groups_at(store: Store, threshold: float) -> list[set[str]]:
    """Copy groups by the production rule (containment of shingles) at another threshold,
    over the LSH's candidates: the pairs the store's index proposed, rescored."""
    rows = store.list_articles()
    texts = {r["id"]: store.text(r["id"]) for r in rows}
    rule = Copies(store.db, threshold, store.text)
    parent = {r["id"]: r["id"] for r in rows}

    def root(a):
        while parent[a] != a:
            a = parent[a]
        return a
    for r in rows:
        for c in store.copies._candidates(band_keys(texts[r["id"]])):
            if c != r["id"] and rule.overlap(texts[r["id"]], texts[c]) is not None:
                parent[root(r["id"])] = root(c)
    out: dict[str, set[str]] = {}
    for a in parent:
        out.setdefault(root(a), set()).add(a)
    return [g for g in out.values() if len(g) > 1]


def story_groups_at(store: Store, threshold: float, vectors, rows) -> list[set[str]]:
    """Stories as qa.news.stories.stories finds them (its outlet rule too) at another threshold."""
    s = store.settings.stories.model_copy(update={"story_similarity": threshold})
    source = {r["id"]: r["source"] or r["id"] for r in rows}
    groups = store.copies.group_of([r["id"] for r in rows])
    return [set(g) for g in group_stories(rows, vectors, groups, s)
            if len({source[a] for a in g}) >= s.min_outlets]


def fixture_store():
    exp = yaml.safe_load((DATA / "expected.yaml").read_text())
    dev = [json.loads(line) for line in (MULTIHOP / "articles.jsonl").open()]
    store = fresh_store("fixture")
    ingest([ROOT / "seeds", DATA / "fixture.jsonl"], store)
    ingest_rows([r for r in dev if r["title"] in exp["dev_articles"]], store)
    by_title = {r["title"]: r["id"] for r in store.list_articles()}
    gold_copies = pairs([[by_title[t] for t in g] for g in exp["copies"]])
    gold_stories = pairs([[by_title[t] for t in g] for g in exp["stories"]])
    return store, gold_copies, gold_stories


def edited(row: dict, rng: random.Random, n: int) -> dict:
    """An edited copy of a dev article under another headline and outlet."""
    paras = [p for p in row["text"].split("\n\n") if p.strip()]
    if len(paras) >= 3:
        paras.pop(rng.randrange(1, len(paras)))  # a paragraph dropped
        text = "\n\n".join(paras)
    else:  # a word changed in every ten
        words = row["text"].split(" ")
        for i in range(10, len(words), 20):
            words[i] = rng.choice(["also", "now", "reportedly", "said"])
        text = " ".join(words)
    return {**row, "title": f"{row['title'].split(':')[0]} (copy {n})", "source": f"Wire copy {n}",
            "url": f"https://copies.example/{n}", "text": text}


def dev_store(window: int):
    rng = random.Random(7)
    dev = [json.loads(line) for line in (MULTIHOP / "articles.jsonl").open()]
    store = fresh_store("dev")
    t = time.perf_counter()
    ingest_rows(dev, store)
    base_s = time.perf_counter() - t
    originals = rng.sample(dev, 40)
    copies = [edited(r, rng, i) for i, r in enumerate(originals)]
    t = time.perf_counter()
    ingest_rows(copies, store)
    copy_s = (time.perf_counter() - t) / len(copies)
    by_url = {r["url"]: r["id"] for r in store.list_articles()}
    gold_copies = {frozenset((by_url[o["url"]], by_url[c["url"]])) for o, c in zip(originals, copies)}
    by_key = {(r["title"], r["source"]): r for r in store.list_articles()}
    proxy = set()
    for q in (json.loads(line) for line in (MULTIHOP / "queries.jsonl").open()):
        ev = [by_key.get((e["title"], e["source"])) for e in q["evidence_list"]]
        for a, b in itertools.combinations([e for e in ev if e], 2):
            da, db = day_of(a["published_at"] or ""), day_of(b["published_at"] or "")
            if a["id"] != b["id"] and da and db and abs((da - db).days) <= window:
                proxy.add(frozenset((a["id"], b["id"])))
    return store, gold_copies, proxy, base_s, copy_s


def sweep_lines(title: str, got_by_t: dict, gold: set, production: float) -> list[str]:
    lines = [f"| {title} threshold | pairs joined | precision | recall | F1 |", "|---|---|---|---|---|"]
    for t, got in got_by_t.items():
        p, r, f = prf(got, gold)
        mark = " (production)" if abs(t - production) < 1e-9 else ""
        lines.append(f"| {t:.2f}{mark} | {len(got)} | {p:.3f} | {r:.3f} | {f:.3f} |")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", help="write the tables, with provenance, into this markdown file")
    args = ap.parse_args()
    prod = Settings().stories
    out: list[str] = []

    store, gold_c, gold_s = fixture_store()
    rows = store.list_articles()
    vecs = article_vectors(store, {r["id"]: r["title"] for r in rows})
    out += [f"### Fixture (tuning): {len(rows)} articles, {len(gold_c)} copy pairs, "
            f"{len(gold_s)} story pairs", ""]
    out += sweep_lines("copies", {t: pairs(copy_groups_at(store, t)) for t in COPY_SWEEP}, gold_c,
                       prod.copy_threshold) + [""]
    out += sweep_lines("stories", {t: pairs(story_groups_at(store, t, vecs, rows)) for t in STORY_SWEEP},
                       gold_s, prod.story_similarity) + [""]

    store, gold_c, proxy, base_s, copy_s = dev_store(prod.window_days)
    rows = store.list_articles()
    titles = {r["id"]: f"{r['source']}: {r['title'][:60]}" for r in rows}
    got_c = pairs(copy_groups_at(store, prod.copy_threshold))
    p, r, f = prf(got_c, gold_c)
    words = {a["id"]: len(WORD.findall(store.text(a["id"]))) for a in rows}
    long_gold = {g for g in gold_c if min(words[a] for a in g) >= 40}
    _, r_long, _ = prf(got_c & long_gold, long_gold)
    _, r_short, _ = prf(got_c & (gold_c - long_gold), gold_c - long_gold)
    out += [f"### Dev (report): {len(rows)} articles (326 MultiHop-RAG + 40 edited copies)", "",
            f"copies at the production threshold ({prod.copy_threshold}): {len(got_c)} pairs joined, "
            f"precision {p:.3f}, recall {r:.3f} (labels: the 40 made copies; of them "
            f"{len(long_gold)} of 40+ words: recall {r_long:.3f}; {len(gold_c) - len(long_gold)} "
            f"shorter: recall {r_short:.3f})", ""]
    out += sweep_lines("dev copies", {t: pairs(copy_groups_at(store, t)) for t in COPY_SWEEP}, gold_c,
                       prod.copy_threshold) + [""]
    wrong = sorted(got_c - gold_c, key=sorted)[:5]
    out += [f"- joined, not a made copy: {' / '.join(titles[a] for a in sorted(w))}" for w in wrong]
    t = time.perf_counter()
    vecs = article_vectors(store, {r["id"]: r["title"] for r in rows})
    got_s = pairs(story_groups_at(store, prod.story_similarity, vecs, rows))
    story_s = time.perf_counter() - t
    groups = story_groups_at(store, prod.story_similarity, vecs, rows)
    made = {a for pair in gold_c for a in pair}
    real = got_s - gold_c - {pr for pr in got_s if pr & made}
    _, rec, _ = prf(real, proxy)
    out += ["", f"stories at the production similarity ({prod.story_similarity}, window {prod.window_days} "
            f"days): {len(groups)} stories, largest {max(map(len, groups), default=0)} articles, "
            f"{len({a for g in groups for a in g})} of {len(rows)} articles in a story",
            f"proxy recall (pairs of one query's gold evidence within the window, {len(proxy)} pairs): "
            f"{rec:.3f}; precision has no labels here: a seeded sample of joined pairs follows", ""]
    sample = random.Random(3).sample(sorted(real, key=sorted), min(8, len(real)))
    out += [f"- {' / '.join(titles[a] for a in sorted(pr))}" for pr in sample]
    out += ["", f"cost: ingest of 326 articles {base_s:.1f} s; copy detection inside ingest, per added "
            f"article (with embedding): {copy_s * 1000:.0f} ms; stories over {len(rows)} articles "
            f"{story_s:.2f} s"]
    print("\n".join(out))
    if args.write:
        from qa.provenance import collect, write_block

        write_block(Path(args.write), " ".join(["python", "bench/stories.py", *sys.argv[1:]]),
                    "\n".join(out), collect(Settings(),
                                            copy_threshold=prod.copy_threshold,
                                            story_similarity=prod.story_similarity,
                                            window_days=prod.window_days))


if __name__ == "__main__":
    main()
