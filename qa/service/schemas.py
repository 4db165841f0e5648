"""The typed requests and replies of the service layer: what the front ends parse a request
into (AskRequest, SummarizeRequest, ...) and what they render (ArticleRow, Health, AskEvent).
The HTTP API's request and response models are these."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from qa.index.filters import Filters
from qa.models import Answer, Passage, Sentence

__all__ = ["AskEvent", "AskRequest", "ArticleRow", "Health", "SearchRequest", "SearchResult",
           "StoriesRequest", "SummarizeRequest", "TimelineRequest", "Turn"]


class Turn(BaseModel):
    """An earlier exchange of the conversation, for follow-up questions."""

    question: str
    answer: str


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=4000, description="The question.")
    history: list[Turn] = Field(default_factory=list, description="Earlier turns, oldest first: a "
                                "follow-up ('and how many were charged?') is rewritten with them.")
    filters: Filters = Field(default_factory=Filters, description="Outlet, category and dates.")
    policy: Literal["remove", "flag"] | None = Field(
        None, description="Unsupported sentences removed, or kept and flagged (default: settings).")


class SummarizeRequest(BaseModel):
    article: str | None = Field(None, description="Article id or title prefix.")
    query: str | None = Field(None, description="A topic to summarise across articles instead.")
    filters: Filters = Field(default_factory=Filters, description="For a topic: outlet, dates.")
    sentences: int | None = Field(
        None, ge=1, le=30, description="How many sentences (default: a share of the article's "
        "words, QA_SUMMARY__SHARE, 3 to QA_SUMMARY__MAX_SENTENCES).")
    policy: Literal["remove", "flag"] | None = None


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=4000)
    k: int = Field(10, ge=1, le=100, description="Results to return.")
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    filters: Filters = Field(default_factory=Filters)


class StoriesRequest(BaseModel):
    filters: Filters = Field(default_factory=Filters, description="Published since / until "
                             "(outlet and category: only that outlet's or category's articles).")


class TimelineRequest(BaseModel):
    topic: str = Field(min_length=1, max_length=4000, description="What the timeline is about.")
    filters: Filters = Field(default_factory=Filters, description="Outlet, category and dates.")


class SearchResult(BaseModel):
    query: str
    results: list[Passage]


class ArticleRow(BaseModel):
    """A stored article without its text (and without where on the server it came from)."""

    id: str
    title: str
    source: str = ""
    author: str = ""
    category: str = ""
    published_at: str = ""
    url: str = ""
    chars: int = 0
    chunks: int = 0
    copy_group: str | None = Field(None, description="Its copy group (the id of the first copy "
                                   "stored; qa/index/copies.py); the same for every copy of one text.")


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    model: str
    embedder: str
    articles: int
    chunks: int


class AskEvent(BaseModel):
    """One step of a streamed answer: progress, a checked sentence, then the answer."""

    event: Literal["progress", "sentence", "answer", "error"]
    message: str = ""
    sentence: Sentence | None = None
    answer: Answer | None = None
