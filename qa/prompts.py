"""Prompt templates from prompts/ (plain text with {placeholders})."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from qa.models import Passage

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


@lru_cache(maxsize=None)
def load(name: str) -> str:
    return (PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8").strip()


def render(name: str, **values: str) -> str:
    return load(name).format(**values)


def format_passages(passages: list[Passage]) -> str:
    """Passages as delimited, numbered data; markup inside them is neutralised."""
    return "\n\n".join(
        render("passages", n=str(n), title=_attr(p.title), source=_attr(p.source),
               date=p.published_at[:10], text=p.text.replace("</passage>", "</ passage>"))
        for n, p in enumerate(passages, 1))


def _attr(value: str) -> str:
    return value.replace('"', "'").replace("<", "(").replace(">", ")")


def messages(name: str, passages: list[Passage], question: str) -> list[dict]:
    """System instructions first and passages next, so the two calls of a question share a
    prefix that llama.cpp reads once."""
    return [{"role": "system", "content": load("system")},
            {"role": "user", "content": render(name, passages=format_passages(passages),
                                               question=question.strip())}]
