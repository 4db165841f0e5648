"""What the `qa` commands share: options, settings, the service, failing with a message."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from qa.config import Settings
from qa.errors import QAError, explain


def open_store(settings: Settings, seed: bool = True):
    from qa.ingest.add import open_store as _open

    return _open(settings, seed=seed, notify=lambda m: typer.echo(m, err=True))


def _service(settings: Settings, seed: bool = True):
    """The service the app and the API use too, over settings' store."""
    from qa.service.service import Service

    return Service(settings, open_store(settings, seed=seed))


def _filters(source: str | None, category: str | None, since: str | None, until: str | None):
    """The --source/--category/--since/--until options as Filters; a bad date is an error."""
    from pydantic import ValidationError

    from qa.index.filters import Filters

    try:
        return Filters(source=source, category=category, since=since, until=until)
    except ValidationError as e:
        _fail(QAError(explain(e)))

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
KOpt = Annotated[Optional[int], typer.Option("--k", help="Passages to retrieve.")]
SourceOpt = Annotated[Optional[str], typer.Option(help="Only this outlet, e.g. 'The Verge'.")]
CategoryOpt = Annotated[Optional[str], typer.Option(help="Only this category.")]
SinceOpt = Annotated[Optional[str], typer.Option(help="Published on or after YYYY-MM-DD.")]
UntilOpt = Annotated[Optional[str], typer.Option(help="Published on or before YYYY-MM-DD.")]
ExportOpt = Annotated[Optional[Path], typer.Option(
    "--export", help="Also write it to FILE (.md, .html or .docx), each citation with its title, "
    "outlet, date, URL and quoted sentence.")]


def _export_format(path: Path | None) -> None:
    """Fail before any work when --export names a file qa cannot write."""
    if path is not None:
        from qa.briefs.export import format_of

        try:
            format_of(path)
        except QAError as e:
            _fail(e)


def _export(service, item, path: Path | None) -> None:
    """Write item (an answer, summary, timeline or watch id) to path, when given."""
    if path is None:
        return
    from qa.briefs.export import format_of

    try:
        path.write_bytes(service.briefs.export(item, format_of(path)))
    except (QAError, OSError) as e:
        _fail(e)
    typer.echo(f"exported to {path}", err=True)


def _settings(model: str | None = None) -> Settings:
    """Settings from the QA_* variables (and --model); a bad one is an error naming it."""
    from pydantic import ValidationError

    try:
        return Settings(model=model) if model else Settings()
    except ValidationError as e:
        _fail(QAError(f"settings: {explain(e)}"))


def _fail(e: Exception) -> NoReturn:
    typer.secho(f"error: {e}", fg="red", err=True)
    raise typer.Exit(1)
