"""The pydantic types that flow through qa, from article to checked answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Article(BaseModel):
    """One news article. `text` is the body; every character offset in qa points into it."""

    id: str = Field(description="Content hash of title and text.")
    key: str = Field(description="Where it came from (url or path); a new text under the same "
                     "key replaces the old one.")
    title: str
    text: str
    source: str = ""
    author: str = ""
    category: str = ""
    published_at: str = Field("", description="ISO date (YYYY-MM-DD...) or empty.")
    url: str = ""


class Chunk(BaseModel):
    """A run of whole sentences of an article: `article.text[start:end] == text`."""

    id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str


class Copy(BaseModel):
    """Another article carrying the same text (syndicated copy, light edits; qa/index/copies.py)."""

    article_id: str
    title: str
    source: str = ""
    published_at: str = ""


class Passage(BaseModel):
    """A retrieved chunk with its article's metadata and its scores."""

    chunk_id: str
    article_id: str
    text: str
    start: int
    end: int
    title: str
    source: str = ""
    category: str = ""
    published_at: str = ""
    score: float = Field(0.0, description="Fused retrieval score (higher is better).")
    similarity: float = Field(0.0, description="Cosine similarity to the question.")
    also_in: list[Copy] = Field(default_factory=list, description="The other articles of its "
                                "article's copy group (retrieval shows one passage per group; every "
                                "copy stays citable). A citation keeps those carrying its quote.")


class Citation(BaseModel):
    """A passage the answer cites, narrowed to a sentence span that supports it. A passage
    cited by several sentences for different facts appears once per span."""

    n: int = Field(description="The number the answer uses: [n].")
    chunk_id: str
    article_id: str
    title: str
    source: str = ""
    published_at: str = ""
    start: int = Field(description="Start of the quoted span in the article text.")
    end: int
    quote: str = Field(description="article.text[start:end]")
    also_in: list[Copy] = Field(default_factory=list, description="Copies of the cited article "
                                "that carry the quote word for word.")

    def quoted(self) -> str:
        """The quote in quotation marks for display; a quote that has its own marks (the
        article quoting someone) is shown as it is, so the marks do not pile up."""
        if any(mark in self.quote for mark in '"“”'):
            return self.quote
        return f"“{self.quote}”"


class Span(BaseModel):
    """Where cited passage n supports a sentence: article.text[start:end]."""

    n: int
    start: int
    end: int


class Sentence(BaseModel):
    text: str
    kind: Literal["answer", "claim", "gap"] = Field(
        "claim", description="answer: the direct answer (Yes / No / a name, number or date), shown "
        "first when a claim supports it; claim: a statement, checked against its citations; gap: a "
        "statement of what the passages do not say (nothing to cite, shown as such).")
    citations: list[int] = Field(default_factory=list)
    supported: bool = True
    shown: bool = Field(True, description="Shown to the user: supported, or kept and marked "
                        "under the flag policy.")
    reason: str = ""
    spans: list[Span] = Field(default_factory=list,
                              description="The best-supporting sentence of each cited passage.")
    support: float | None = Field(None, description="The model's P(yes) that the passages state "
                                  "it (None when the model was not asked: a rule failed first, or "
                                  "the model gives no log-probabilities).")


class Answer(BaseModel):
    question: str
    searched_for: str = Field("", description="A follow-up rewritten with the conversation, as "
                              "searched for; empty when the question stood alone.")
    answer: str = Field("", description="The direct answer (Yes / No / a name, number or date), "
                        "empty when the model gave none or no shown claim supports it.")
    text: str
    refused: bool = False
    sentences: list[Sentence] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    searched: str = Field("", description="For a refusal: what was searched (how many articles, "
                          "for what, within which outlet and dates).")
    closest: list[Citation] = Field(default_factory=list, description="For a refusal: the passages "
                                    "that came closest, each article's best sentence (not claimed "
                                    "to answer the question: where the reader can look).")
    dropped_citations: int = Field(0, description="Citation numbers that matched no passage.")
    draft: str = Field("", description="The model's raw answer, before checking.")
    passages: list[Passage] = Field(default_factory=list)
    model: str = ""
    answerable: float | None = Field(None, description="The gate's P(yes) that the passages answer "
                                     "the question (None when the model gives no log-probabilities).")
    checked_by: str = Field("", description="How the sentences were checked: 'rules+model' (the "
                            "rules, then the model's P(yes)), 'rules' (the model gives no "
                            "log-probabilities), or '' (not checked).")
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds per stage.")
    usage: dict[str, int] = Field(default_factory=dict, description="prompt/completion tokens.")


class IngestReport(BaseModel):
    added: list[str] = Field(default_factory=list, description="Titles added.")
    replaced: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list, description="Unchanged, already stored.")
    errors: list[str] = Field(default_factory=list, description="'file: what is wrong'")
    chunks: int = 0
    new_ids: list[str] = Field(default_factory=list, description="Ids of the articles added or "
                               "replaced (saved questions whose evidence they enter are re-answered).")
