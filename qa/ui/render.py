"""The app's HTML for answers and summaries: sentences with clickable citation markers, a
refusal's closest passages, and one hidden source card per cited span (shown when its marker
is clicked, by the script in qa.ui.app.HEAD)."""

from __future__ import annotations

import html

__all__ = ["render_answer", "render_closest", "render_sentences", "render_sources"]


def render_answer(ans, key: str) -> str:
    """The checked answer (or summary) as HTML with clickable citation markers."""
    if ans.refused:
        return f"<span class='qa-refusal'>{html.escape(ans.text)}</span>" + render_closest(ans)
    return render_sentences(ans.sentences, key)


def render_closest(ans) -> str:
    """A refusal's closest passages: where the reader can look (none answers the question)."""
    esc = html.escape
    items = "".join(f"<li><b>{esc(c.title)}</b> <small>({esc(c.source or 'unknown outlet')}, "
                    f"{esc(c.published_at[:10] or 'no date')})</small>: {esc(c.quoted())}</li>"
                    for c in getattr(ans, "closest", []))
    return f"<ul class='qa-closest'>{items}</ul>" if items else ""


def render_sentences(sentences, key: str) -> str:
    """Shown sentences as HTML: citation markers that open their cited span; a gap in
    italics; an unsupported sentence (flag policy) struck through, with its reason."""
    esc = html.escape
    parts = []
    for s in sentences:
        if not s.shown:
            continue
        marks = "".join(
            f"<a class='qa-cite' href='#' data-key='{key}-{sp.start}-{sp.end}'>[{sp.n}]</a>"
            for sp in s.spans)
        if s.kind == "answer":
            parts.append(f"<b class='qa-direct'>{esc(s.text)}</b>")
        elif s.kind == "gap":
            parts.append(f"<i>{esc(s.text)}</i>")
        elif s.supported:
            parts.append(f"{esc(s.text)} {marks}")
        else:
            parts.append(f"<span class='qa-unsupported' title='{esc(s.reason)}'>{esc(s.text)}</span> {marks}")
    return " ".join(parts)


def render_sources(ans, store, key: str) -> str:
    """One hidden card per cited span: the article's title, outlet and date, and the span
    highlighted in its surrounding text. Clicking a marker shows its card."""
    esc = html.escape
    cards = []
    for c in ans.citations:
        text = store.text(c.article_id)
        lo, hi = max(0, c.start - 300), min(len(text), c.end + 300)
        cards.append(
            f"<div class='qa-source' data-key='{key}-{c.start}-{c.end}'>"
            f"<b>[{c.n}] {esc(c.title)}</b><br><small>{esc(c.source or 'unknown outlet')} · "
            f"{esc(c.published_at[:10] or 'no date')} · chars {c.start}–{c.end}</small>"
            + (f"<br><small>also in: {esc(', '.join(x.source or x.title for x in c.also_in))}</small>"
               if c.also_in else "") +
            f"<p>…{esc(text[lo:c.start])}<mark>{esc(text[c.start:c.end])}</mark>"
            f"{esc(text[c.end:hi])}…</p></div>")
    removed = [s for s in ans.sentences[(1 if ans.refused else 0):] if not s.supported and not s.shown]
    if removed:
        cards.append("<details><summary>Sentences removed by the citation check "
                     f"({len(removed)})</summary><ul>" + "".join(
                         f"<li>{esc(s.text)} <small>({esc(s.reason)})</small></li>"
                         for s in removed) + "</ul></details>")
    return "\n".join(cards)
