"""`qa eval`: run a suite (or several models on it), print and save the report, write the
figures into a markdown file, and fail on a broken promise or a regression."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from qa.cli.common import _fail, _settings
from qa.errors import QAError

__all__ = ["run_eval"]


def run_eval(
    suite: Annotated[str, typer.Argument(help="seed (evals/seed.yaml), multihop, or a YAML path.")] = "seed",
    model: Annotated[Optional[list[str]], typer.Option(help="litellm model id; repeat to compare.")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Run JSON path (.html beside it).")] = None,
    baseline: Annotated[Optional[Path], typer.Option(help="Fail (exit 1) on regression against it.")] = None,
    update_baseline: Annotated[bool, typer.Option(help="Write this run as the new baseline.")] = False,
    tolerance: Annotated[float, typer.Option(help="Allowed drop of a metric.")] = 0.05,
    limit: Annotated[Optional[int], typer.Option(help="Only the first N cases.")] = None,
    types: Annotated[Optional[str], typer.Option(
        help="Only the cases of these question types, comma-separated (e.g. comparison,temporal).")] = None,
    split: Annotated[Optional[str], typer.Option(
        help="Only the cases of this split (tune or report): tune on one, report on the other.")] = None,
    write: Annotated[Optional[Path], typer.Option(
        help="Also write the metrics table, with its provenance line, into this markdown file "
        "(its figure block for this command is replaced).")] = None,
):
    """Run an eval suite: answers, refusals, citations, retrieval, latency; report and gate."""
    from qa.evals.cases import load_suite
    from qa.evals.run import broken_promises, compare, load_run

    if baseline and not baseline.is_file() and not update_baseline:
        _fail(QAError(f"baseline {baseline} does not exist: give the path of a committed run, or "
                      "add --update-baseline to write this run there"))
    try:
        spec = of_split(of_types(load_suite(suite), types), split)
        base = load_run(baseline) if baseline and not update_baseline else None
        runs = [_run(spec, m, limit) for m in model or [_settings().model]]
    except QAError as e:
        _fail(e)
    problems = broken_promises(runs[0]) + (compare(runs[0], base, tolerance) if base else [])
    _save(runs, base, problems, spec.suite, out, write)
    if update_baseline:
        target = baseline or Path("evals") / f"baseline-{spec.suite}.json"
        target.write_text(runs[0].model_dump_json(indent=1), encoding="utf-8")
        typer.echo(f"baseline written: {target}")
    if problems:
        for p in problems:
            typer.secho(f"REGRESSION: {p}", fg="red", err=True)
        raise typer.Exit(1)


def of_split(spec, split: str | None):
    """The suite with only the cases of one split (all when None)."""
    if not split:
        return spec
    cases = [c for c in spec.cases if c.split == split]
    if not cases:
        raise QAError(f"--split {split}: suite {spec.suite} has no case in it; its splits are "
                      f"{', '.join(sorted({c.split for c in spec.cases if c.split})) or 'none'}")
    return spec.model_copy(update={"cases": cases})


def of_types(spec, types: str | None):
    """The suite with only the cases of the named question types (all when None)."""
    if not types:
        return spec
    wanted = {t.strip() for t in types.split(",") if t.strip()}
    known = {c.question_type for c in spec.cases}
    if unknown := wanted - known:
        raise QAError(f"--types: no case of suite {spec.suite} has type {', '.join(sorted(unknown))}; "
                      f"its types are {', '.join(sorted(t for t in known if t))}")
    return spec.model_copy(update={"cases": [c for c in spec.cases if c.question_type in wanted]})


def _run(spec, model: str, limit: int | None):
    """The suite on one model, each case's outcome printed as it comes."""
    from rich.console import Console

    from qa.evals.run import run_suite

    console = Console(stderr=True)
    n = len(spec.cases[:limit])
    with console.status(f"{spec.suite} on {model}: 0/{n}") as status:
        done: list = []

        def tick(row):
            done.append(row)
            mark = "pass" if row.passed else ("ERROR" if row.error else "fail")
            said = row.error.splitlines()[0] if row.error else repr(row.answer[:90])
            console.print(f"  {mark:>5} {row.id}: {said}", highlight=False)
            status.update(f"{spec.suite} on {model}: {len(done)}/{n}")

        return run_suite(spec, _settings(model), limit=limit, progress=tick)


def _save(runs, base, problems: list[str], suite: str, out: Path | None, write: Path | None) -> None:
    """The table on the terminal, each run's JSON, the HTML report, and the markdown figures."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from qa.evals.report import table_rows, write_html

    table = Table(title=f"qa eval {suite}")
    head, *rows = table_rows(runs, base)
    for h in head:
        table.add_column(h)
    for r in rows:
        table.add_row(*map(escape, r))
    Console().print(table)
    out = out or Path("runs") / f"{suite}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    for i, run in enumerate(runs):
        target = out if i == 0 else out.with_name(f"{out.stem}-{i}{out.suffix}")
        target.write_text(run.model_dump_json(indent=1), encoding="utf-8")
    report = write_html(runs, base, out.with_suffix(".html"), problems)
    typer.echo(f"run: {out}\nreport: {report}")
    if write:
        from qa.evals.report import write_markdown

        write_markdown(runs, base, write, command=" ".join(["qa", *sys.argv[1:]]))
        typer.echo(f"figures written: {write}")
