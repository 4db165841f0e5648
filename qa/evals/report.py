"""Tables for the terminal and an HTML report with plots for a set of runs."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from qa.evals.run import GATED, STAGES, RunResult

SHOWN = [*GATED, "wrong_shown", "bare_verdicts", "uncited_answers", "false_refusals",
         "unanswerable_refused", "cited_ungraded", "answer_accuracy_multihop_metric", "answer_rate",
         "hits@10", "map@10",
         "gate_p50_s", "generate_p50_s", "check_per_sentence_p50_s", "check_to_generate_p50",
         "quote_p95_s",
         "total_p50_s", "total_p95_s", "prompt_tokens_p50",
         "prompt_tokens", "completion_tokens", "errors"]


def fmt(v) -> str:
    if v is None:
        return "—"
    return f"{v:.3f}" if isinstance(v, float) and not float(v).is_integer() else f"{v:g}"


def table_rows(runs: list[RunResult], baseline: RunResult | None) -> list[list[str]]:
    head = ["metric", *[r.model for r in runs]] + (["baseline"] if baseline else [])
    rows = [head]
    kinds = sorted({k for r in runs for k in r.metrics if k.startswith(("pass_rate[", "cited_correct["))})
    splits = sorted({k for r in runs for k in r.metrics if k.endswith(("[tune]", "report]"))},
                    key=lambda k: (not k.endswith("report]"), k))
    kinds = [k for k in kinds if k not in splits and not k.endswith("|tune]")] + splits
    for name in [*SHOWN, *kinds]:
        rows.append([name, *[fmt(r.metrics.get(name)) for r in runs]]
                    + ([fmt(baseline.metrics.get(name))] if baseline else []))
    return rows


def write_markdown(runs: list[RunResult], baseline: RunResult | None, path: Path, command: str) -> None:
    """The metrics table of these runs as the figure block of `command` in a markdown file,
    under the first run's provenance line."""
    from qa.provenance import write_block

    head, *rows = table_rows(runs, baseline)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    prov = runs[0].provenance
    if prov is None:
        raise ValueError("this run records no provenance; rerun it to write its figures")
    notes = [f"{r.model}: {len(r.cases)} cases of suite {r.suite}, {r.seconds / 60:.1f} min" for r in runs]
    write_block(path, command, "\n".join(lines) + "\n\n" + "; ".join(notes) + ".", prov)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def plots(runs: list[RunResult], baseline: RunResult | None) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = []
    names = [n for n in GATED if any(r.metrics.get(n) is not None for r in runs)]
    series = [(r.model, r) for r in runs] + ([("baseline", baseline)] if baseline else [])
    fig, ax = plt.subplots(figsize=(10, 4))
    width = 0.8 / len(series)
    for i, (label, r) in enumerate(series):
        ax.bar([x + i * width for x in range(len(names))],
               [r.metrics.get(n) or 0 for n in names], width, label=label)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(names))], names, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.legend()
    ax.set_title("metrics (higher is better)")
    images.append(_png(fig))
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(10, 3.5))
    for r in runs:
        ax.hist([c.timings.get("total", 0) for c in r.cases if c.timings], bins=20, alpha=0.6,
                label=r.model)
    ax.set_xlabel("seconds per question")
    ax.set_title("latency")
    ax.legend()
    images.append(_png(fig))
    plt.close(fig)
    return images


def write_html(runs: list[RunResult], baseline: RunResult | None, path: Path,
               problems: list[str]) -> Path:
    esc = html.escape
    rows = table_rows(runs, baseline)
    parts = [f"<html><head><meta charset='utf-8'><title>qa eval {esc(runs[0].suite)}</title>"
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}td,th{padding:2px 8px;"
             "border-bottom:1px solid #ddd}mark{background:#fe8}.bad{color:#b00}</style></head><body>",
             f"<h1>qa eval: {esc(runs[0].suite)}</h1><p>{esc(runs[0].started)} · "
             f"{len(runs[0].cases)} cases · stages: {', '.join(STAGES)}</p>"]
    if problems:
        parts.append("<h2 class='bad'>Regressions</h2><ul>" +
                     "".join(f"<li>{esc(p)}</li>" for p in problems) + "</ul>")
    parts.append("<table><tr>" + "".join(f"<th>{esc(c)}</th>" for c in rows[0]) + "</tr>" +
                 "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>"
                         for r in rows[1:]) + "</table>")
    parts += [f"<img src='data:image/png;base64,{img}'>" for img in plots(runs, baseline)]
    for r in runs:
        failed = [c for c in r.cases if not c.passed]
        parts.append(f"<h2>Failed cases — {esc(r.model)} ({len(failed)})</h2>")
        for c in failed:
            cites = "".join(f"<li>[{x['n']}] {esc(x['title'])}: <mark>{esc(x['quote'])}</mark></li>"
                            for x in c.citations)
            parts.append(f"<h3>{esc(c.id)}</h3><p><b>Q:</b> {esc(c.question)}</p>"
                         f"<p><b>A:</b> {esc(c.answer)}</p><p><small>{esc(c.reason)}</small></p>"
                         + (f"<pre class='bad'>{esc(c.error)}</pre>" if c.error else "")
                         + f"<ul>{cites}</ul>")
    parts.append("</body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
