"""Dates named in a question ("published on October 18, 2023", "in October 2023")."""

from __future__ import annotations

import re
from datetime import date, datetime

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
           "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_DAY = re.compile(rf"\b({_MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_DAY_FIRST = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})\.?,?\s+(\d{{4}})\b", re.I)
_MONTH = re.compile(rf"\b({_MONTHS})\.?\s+(\d{{4}})\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _month(name: str) -> int:
    return datetime.strptime(name[:3].title(), "%b").month


def dates_in(text: str) -> tuple[set[str], set[str]]:
    """(days as YYYY-MM-DD, months as YYYY-MM) named in text."""
    days: set[str] = set()
    for mo, d, y in _DAY.findall(text):
        days.add(f"{y}-{_month(mo):02d}-{int(d):02d}")
    for d, mo, y in _DAY_FIRST.findall(text):
        days.add(f"{y}-{_month(mo):02d}-{int(d):02d}")
    for y, mo, d in _ISO.findall(text):
        days.add(f"{y}-{mo}-{d}")
    months = {f"{y}-{_month(mo):02d}" for mo, y in _MONTH.findall(text)} | {d[:7] for d in days}
    return days, months


def day_of(published_at: str) -> date | None:
    """The day of an ISO date or timestamp ('2023-11-18T15:33:00+00:00'), None if it has none."""
    try:
        return date.fromisoformat(published_at[:10])
    except ValueError:
        return None
