"""Prompt templates from the top-level prompts/ folder (plain text with {placeholders}; see
qa.resources for where an installed qa finds them)."""

from __future__ import annotations

from functools import cache

from qa.models import Passage
from qa.resources import PROMPTS_DIR

CHARS_PER_TOKEN = 4  # English news text with Qwen's tokenizer: ~4 characters a token
PASSAGE_OVERHEAD_TOKENS = 20  # the <passage n= title= source= date=> wrapper


@cache
def load(name: str) -> str:
    return (PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8").strip()


def render(name: str, **values: str) -> str:
    return load(name).format(**values)


def format_passages(passages: list[Passage], numbers: list[int] | None = None) -> str:
    """Passages (those with the given 1-based numbers, default all) as delimited, numbered
    data; a closing tag inside a passage is neutralised. An article's title, outlet and date
    come with its first passage; its later ones only name that passage (~15 tokens less)."""
    numbers = numbers or list(range(1, len(passages) + 1))
    first: dict[str, int] = {}
    out = []
    for n in numbers:
        p = passages[n - 1]
        same = first.setdefault(p.article_id, n)
        text = p.text.replace("</passage>", "</ passage>")
        if not (p.title or p.source or p.published_at):  # `text_only`: no empty attributes
            out.append(render("passage_text", n=str(n), text=text))
        elif same != n:  # its title, outlet and date were given with the article's first passage
            out.append(render("passage_same", n=str(n), same=str(same), text=text))
        else:
            source = p.source + ("; copies of this article also ran in " + ", ".join(
                c.source or c.title for c in p.also_in) if p.also_in else "")
            out.append(render("passages", n=str(n), title=_attr(p.title), source=_attr(source),
                              date=p.published_at[:10], text=text))
    return "\n\n".join(out)


def text_only(p: Passage) -> Passage:
    """The passage without its title, outlet and date (formatted as `<passage n="1">` and its
    text): laid out as bench/checker.py tunes the support check (its documents have none)."""
    return p.model_copy(update={"title": "", "source": "", "published_at": "", "also_in": []})


def passage_tokens(p: Passage) -> int:
    """Estimated prompt tokens of one formatted passage."""
    return (len(p.text) + len(p.title) + len(p.source)) // CHARS_PER_TOKEN + PASSAGE_OVERHEAD_TOKENS


def within_budget(passages: list[Passage], tokens: int) -> list[Passage]:
    """The best-ranked passages whose estimated prompt tokens fit the budget (at least one):
    the prompt's size decides the wait (the local 1.5B reads ~27 tokens/s)."""
    out: list[Passage] = []
    used = 0
    for p in passages:
        cost = passage_tokens(p)
        if out and used + cost > tokens:
            break
        out.append(p)
        used += cost
    return out


def _attr(value: str) -> str:
    return value.replace('"', "'").replace("<", "(").replace(">", ")")


def messages(name: str, passages: list[Passage], numbers: list[int] | None = None,
             **values: str) -> list[dict]:
    """System instructions first and passages next, so calls over the same passages share a
    prefix that llama.cpp reads once."""
    return [{"role": "system", "content": load("system")},
            {"role": "user", "content": render(name, passages=format_passages(passages, numbers),
                                               **values)}]
