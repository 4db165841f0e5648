"""Prompt templates from prompts/ (plain text with {placeholders})."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from qa.models import Passage

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


@cache
def load(name: str) -> str:
    return (PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8").strip()


def render(name: str, **values: str) -> str:
    return load(name).format(**values)


def format_passages(passages: list[Passage], numbers: list[int] | None = None) -> str:
    """Passages (those with the given 1-based numbers, default all) as delimited, numbered
    data; a closing tag inside a passage is neutralised."""
    numbers = numbers or list(range(1, len(passages) + 1))
    return "\n\n".join(
        render("passages", n=str(n), title=_attr(p.title), source=_attr(p.source),
               date=p.published_at[:10], text=p.text.replace("</passage>", "</ passage>"))
        for n in numbers for p in [passages[n - 1]])


def _attr(value: str) -> str:
    return value.replace('"', "'").replace("<", "(").replace(">", ")")


def messages(name: str, passages: list[Passage], numbers: list[int] | None = None,
             **values: str) -> list[dict]:
    """System instructions first and passages next, so calls over the same passages share a
    prefix that llama.cpp reads once."""
    return [{"role": "system", "content": load("system")},
            {"role": "user", "content": render(name, passages=format_passages(passages, numbers),
                                               **values)}]
