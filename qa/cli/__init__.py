"""The `qa` command (Typer): main.py (ask, summarize, search, list, delete, serve, keys),
evals.py (`qa eval`), feeds.py, stories.py, and render.py for printing; common.py holds
the options and the service they share. `python -m qa.cli` is the same command.

May import: anything below it (qa.api to serve, qa.evals for `qa eval`, qa.service ...).
"""
