"""Calibrate the support verdict on the tuning halves of labelled sets; report it on the others.

    python bench/checker.py [--data FILE] [--write docs/checker.md]

Data: JSONL rows of `doc`, `summary`, `error_type` (null/"None" = faithful). Default: two sets,
- goyal21 (150 BBC/XSum and CNN/DailyMail summaries labelled by people, Goyal & Durrett 2021
  via AggreFact; lower-cased, tokenised text), read from ../shared/data/faithfulness-dev/
  because it carries no licence and so is not in the repository (the bench says so and goes on
  without it when it is absent);
- bench/data/claims-cased.jsonl (committed): sentences about the seed article and MultiHop-RAG
  articles, in cased text, each labelled by hand faithful or with a CLIFF-style error.

Each summary sentence is checked against the whole document as qa checks an answer's sentence
against its passages (qa.check.cite.assess: the rules, then the semantic score; qa.check.support: the
model's P(yes), the prompt the product uses). A summary is flagged when any sentence is.
Rows are split by position (even: tuning half, odd: report half). Thresholds are chosen on the
pooled tuning halves only; the report halves are scored with them and with the production
settings. Balanced accuracy = mean of recall on flagged and on faithful summaries.

With --data FILE nothing is tuned: FILE is scored at the production settings, with recall per
error type, and the last line is `production setting: balanced accuracy ...`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOYAL = ROOT.parent / "shared" / "data" / "faithfulness-dev" / "goyal21.jsonl"
CASED = ROOT / "bench" / "data" / "claims-cased.jsonl"

from qa.check.cite import Evidence, assess  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.index.chunking import split_sentences  # noqa: E402
from qa.index.embed import embed_batch  # noqa: E402
from qa.models import Passage  # noqa: E402

SEMANTIC = [round(t, 2) for t in np.arange(0.30, 0.86, 0.05)]
P_YES = [round(t, 2) for t in np.arange(0.05, 0.96, 0.05)]
# P(yes) and seconds per prompt, kept between runs (a --write after a look costs no model time);
# the key is the model and the whole prompt, so a changed template or document is asked again.
CACHE_FILE = ROOT / ".qa" / "bench-checker-cache.json"
CACHE: dict[str, list] = {}


def flagged_by_people(row: dict) -> bool:
    return row.get("error_type") not in (None, "None", "['noise']", "")


def error_types(row: dict) -> list[str]:
    raw = row.get("error_type")
    if not flagged_by_people(row):
        return []
    return [e.strip(" '\"") for e in str(raw).strip("[]").split(",") if e.strip(" '\"") != "noise"]


def balanced_accuracy(pred: list[bool], gold: list[bool]) -> float:
    pos = [p for p, g in zip(pred, gold) if g]
    neg = [not p for p, g in zip(pred, gold) if not g]
    return ((sum(pos) / len(pos) if pos else 0) + (sum(neg) / len(neg) if neg else 0)) / 2


def precision_recall(pred: list[bool], gold: list[bool]) -> tuple[float, float]:
    tp = sum(p and g for p, g in zip(pred, gold))
    return (tp / sum(pred) if any(pred) else 0.0), (tp / sum(gold) if any(gold) else 0.0)


def score_row(row: dict, settings: Settings, scorer, cost: dict
              ) -> list[tuple[str | None, float, float | None]]:
    """Per summary sentence: (the rule it breaks or None, semantic score, P(yes) or None)."""
    from qa.check.support import support_messages

    doc = row["doc"]
    passage = Passage(chunk_id="doc", article_id="doc", text=doc, start=0, end=len(doc), title="")
    ev = Evidence([passage], {"doc": doc}, settings.embedder)
    sents = [row["summary"][s:e] for s, e in split_sentences(row["summary"])] or [row["summary"]]
    out = []
    for i, (sent, vec) in enumerate(zip(sents, embed_batch(sents, embedder=settings.embedder))):
        problem, score, _ = assess(sent, vec, ev, [1])
        p_yes = None
        if scorer is not None:
            msgs = support_messages([passage], sent)
            key = hashlib.sha256(json.dumps([settings.model, msgs]).encode()).hexdigest()
            if key not in CACHE:  # temperature-free logits: the same prompt gives the same P(yes)
                t = time.perf_counter()
                CACHE[key] = [scorer(settings, msgs), time.perf_counter() - t]
            p_yes, secs = CACHE[key]
            cost["warm" if i or row.get("_same_doc") else "cold"].append(secs)
        out.append((problem, score, p_yes))
    return out


def flags(scored, rules: bool, semantic: float | None = None, p_yes: float | None = None) -> list[bool]:
    """A summary is flagged when one sentence breaks a rule (if `rules`), scores below the
    semantic threshold, or has P(yes) below the model threshold (each if given)."""
    def bad(problem, score, p):
        return ((rules and problem is not None) or (semantic is not None and score < semantic)
                or (p_yes is not None and p is not None and p < p_yes))
    return [any(bad(*s) for s in sents) for sents in scored]


def row_line(name: str, pred: list[bool], gold: list[bool]) -> str:
    p, r = precision_recall(pred, gold)
    ba = balanced_accuracy(pred, gold)
    return f"| {name} | {ba:.3f} | {p:.3f} | {r:.3f} | {sum(pred)} of {len(pred)} |"


def per_type(rows: list[dict], pred: list[bool], name: str) -> str:
    kinds = sorted({k for r in rows for k in error_types(r)})
    parts = []
    for k in kinds:
        hit = [p for r, p in zip(rows, pred) if k in error_types(r)]
        parts.append(f"{k} {sum(hit)}/{len(hit)}")
    return f"recall per error type, {name}: " + ", ".join(parts)


def tune(scored, gold) -> tuple[float, float, float]:
    """(semantic threshold with the rules, P(yes) threshold alone, P(yes) threshold with the
    rules), each the best balanced accuracy on the given rows (ties: the lower threshold)."""
    def best(grid, setting):
        return max(grid, key=lambda t: (balanced_accuracy(flags(scored, **setting(t)), gold), -t))
    return (best(SEMANTIC, lambda t: {"rules": True, "semantic": t}),
            best(P_YES, lambda t: {"rules": False, "p_yes": t}),
            best(P_YES, lambda t: {"rules": True, "p_yes": t}))


def report_set(name: str, rows, scored, held: list[int], th: tuple[float, float, float],
               settings: Settings) -> list[str]:
    sem, alone, both = th
    prod = settings.answer.support_p_threshold
    gold = [flagged_by_people(rows[i]) for i in held]
    part = [scored[i] for i in held]
    variants = [("rules only (numbers, quotes, names, negation, speakers)", dict(rules=True)),
                (f"rules + semantic score >= {sem:.2f} (no model)", dict(rules=True, semantic=sem)),
                (f"model P(yes) >= {alone:.2f} alone", dict(rules=False, p_yes=alone)),
                (f"rules + model P(yes) >= {both:.2f}", dict(rules=True, p_yes=both)),
                (f"**production**: rules + model P(yes) >= {prod:.2f}", dict(rules=True, p_yes=prod)),
                (f"production without a model: rules + semantic >= {settings.answer.support_threshold:.2f}",
                 dict(rules=True, semantic=settings.answer.support_threshold))]
    has_model = any(p is not None for sents in part for _, _, p in sents)
    lines = [f"**{name}** report half: {len(held)} summaries, {sum(gold)} flagged by people", "",
             "| verdict | balanced accuracy | precision | recall | flagged |", "|---|---|---|---|---|"]
    lines += [row_line(label, flags(part, **kw), gold) for label, kw in variants
              if has_model or "p_yes" not in kw]
    held_rows = [rows[i] for i in held]
    lines += ["", per_type(held_rows, flags(part, rules=True), "rules only")]
    if has_model:
        lines.append(per_type(held_rows, flags(part, rules=True, p_yes=prod), "production"))
    return lines + [""]


def production_line(rows, scored, settings: Settings) -> str:
    gold = [flagged_by_people(r) for r in rows]
    has_model = any(p is not None for sents in scored for _, _, p in sents)
    if has_model:
        pred, what = flags(scored, rules=True, p_yes=settings.answer.support_p_threshold), \
            f"threshold P(yes) {settings.answer.support_p_threshold:.2f}"
    else:
        pred, what = flags(scored, rules=True, semantic=settings.answer.support_threshold), \
            f"rules + semantic {settings.answer.support_threshold:.2f}, no model"
    return (f"production setting: balanced accuracy {balanced_accuracy(pred, gold):.3f} "
            f"({what}, {len(rows)} summaries)")


def load(path: Path) -> list[dict]:
    rows = [json.loads(x) for x in path.open(encoding="utf-8") if x.strip()]
    for prev, row in zip([None, *rows], rows):
        row["_same_doc"] = prev is not None and prev["doc"] == row["doc"]
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="a JSONL of doc, summary, error_type: scored at the production "
                    "settings, nothing tuned")
    ap.add_argument("--no-model", action="store_true", help="the rules and the semantic score only")
    ap.add_argument("--write", help="write the report as this command's figure block in a markdown file")
    args = ap.parse_args()
    settings = Settings()
    scorer = None
    if not args.no_model:
        from qa.llm import yes_probability

        scorer = yes_probability
    if args.data:
        sets = {Path(args.data).stem: load(Path(args.data))}
    else:
        sets = {"claims-cased": load(CASED)}
        if GOYAL.is_file():
            sets = {"goyal21": load(GOYAL), **sets}
        else:
            print(f"{GOYAL} is absent (it carries no licence, so it is read from ../shared beside "
                  "the project): scoring the committed cased set only", file=sys.stderr)
    if CACHE_FILE.is_file():
        CACHE.update(json.loads(CACHE_FILE.read_text()))
    cost: dict[str, list[float]] = {"cold": [], "warm": []}
    scored = {}
    for name, rows in sets.items():
        scored[name] = []
        for i, r in enumerate(rows):
            scored[name].append(score_row(r, settings, scorer, cost))
            print(f"{name} {i + 1}/{len(rows)}", end="\r", file=sys.stderr, flush=True)
    if scorer is not None:
        CACHE_FILE.parent.mkdir(exist_ok=True)
        CACHE_FILE.write_text(json.dumps(CACHE))
    lines = body(sets, scored, settings, args.data is not None, cost)
    print("\n".join(lines))
    if args.write:
        from qa.provenance import collect, write_block

        command = " ".join(["python", "bench/checker.py", *sys.argv[1:]])
        write_block(Path(args.write), command, "\n".join(lines),
                    collect(settings, support_threshold=settings.answer.support_threshold,
                            support_p_threshold=settings.answer.support_p_threshold))


def body(sets, scored, settings: Settings, given: bool, cost: dict) -> list[str]:
    lines: list[str] = []
    if not given:
        tune_scored, tune_gold = [], []
        for name, rows in sets.items():
            tune_scored += [scored[name][i] for i in range(0, len(rows), 2)]
            tune_gold += [flagged_by_people(rows[i]) for i in range(0, len(rows), 2)]
        th = tune(tune_scored, tune_gold)
        model = (f"; P(yes) {th[1]:.2f} alone, {th[2]:.2f} with the rules"
                 if any(p is not None for sents in tune_scored for _, _, p in sents) else "")
        lines += [f"Tuned on the tuning halves ({len(tune_gold)} summaries, even rows of "
                  f"{' and '.join(sets)}): semantic {th[0]:.2f} with the rules{model}.", ""]
        for name, rows in sets.items():
            lines += report_set(name, rows, scored[name], list(range(1, len(rows), 2)), th, settings)
    else:
        for name, rows in sets.items():
            preds = flags(scored[name], rules=True, p_yes=settings.answer.support_p_threshold)
            lines += [per_type(rows, preds, f"{name} at the production setting"), ""]
    if cost["cold"] or cost["warm"]:
        med = {k: statistics.median(v) if v else float("nan") for k, v in cost.items()}
        lines += [f"model verdict: {med['cold']:.2f} s per sentence with the document not in the "
                  f"prompt cache (median of {len(cost['cold'])}), {med['warm']:.2f} s with it cached "
                  f"(median of {len(cost['warm'])})", ""]
    lines += [production_line(rows, scored[name], settings) for name, rows in sets.items()]
    return lines


if __name__ == "__main__":
    main()
