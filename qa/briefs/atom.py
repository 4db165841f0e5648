"""The changes of watches as an Atom feed (RFC 4287) any feed reader can subscribe to: one
entry per run that changed something, its content the answer with its cited sources."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from qa.briefs.watches import Run, Watch

__all__ = ["atom"]

_NS = "http://www.w3.org/2005/Atom"


def _time(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _content(run: Run) -> str:
    """The entry's text: what changed, the answer, then each source with its quoted sentence."""
    lines = [f"What changed: {run.changes.summary()}.", "", run.answer.text, ""]
    for c in run.answer.citations:
        lines.append(f"[{c.n}] {c.title} ({', '.join(x for x in (c.source, c.published_at[:10]) if x)}): "
                     f"\u201c{c.quote}\u201d")
    return "\n".join(lines)


def atom(entries: list[tuple[Watch, Run]], base_url: str, title: str = "qa: changes to saved questions",
         feed_id: str = "urn:qa:watches") -> bytes:
    """entries (newest first) as an Atom document; links point under base_url."""
    ET.register_namespace("", _NS)
    feed = ET.Element(f"{{{_NS}}}feed")

    def add(parent: ET.Element, tag: str, text: str = "", **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{_NS}}}{tag}", attrs)
        el.text = text or None
        return el

    add(feed, "id", feed_id)
    add(feed, "title", title)
    add(feed, "updated", _time(entries[0][1].at if entries else 0))
    add(add(feed, "author"), "name", "qa")
    add(feed, "link", href=f"{base_url}/v1/watches/feed.atom", rel="self")
    for watch, run in entries:
        entry = add(feed, "entry")
        add(entry, "id", f"urn:qa:watch:{watch.id}:{run.n}")
        add(entry, "title", f"{watch.question} \u2014 {run.changes.summary()}")
        add(entry, "updated", _time(run.at))
        add(entry, "link", href=f"{base_url}/v1/watches/{watch.id}/runs/{run.n}")
        add(entry, "summary", run.changes.summary())
        add(entry, "content", _content(run), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
