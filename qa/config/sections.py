"""The nested sections of Settings (qa.config): chunking, retrieval, evidence, answer, summary,
stories, feeds, watches and telemetry. Each is set with a double underscore, e.g.
`QA_RETRIEVAL__K=6`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ChunkingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_words: int = Field(
        120, ge=20, le=180,
        description="Words per chunk to aim for; MiniLM truncates at 256 tokens (~180 words).",
    )
    overlap_sentences: int = Field(
        1, ge=0, le=5, description="Sentences repeated at the start of the next chunk."
    )


class RetrievalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    k: int = Field(4, ge=1, le=50, description="Passages given to the model.")
    fetch_k: int = Field(30, ge=1, le=500, description="Candidates fetched from each index.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of dense hits in rank fusion.")
    bm25_weight: float = Field(1.0, ge=0, description="Weight of BM25 hits in rank fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    lexical: Literal["bm25", "postgres"] = Field(
        "bm25", description="The lexical half of hybrid search: bm25 (each process's in-memory "
        "BM25 index, kept in step with the store's change log), or postgres (PostgreSQL's full-text "
        "search over the shared store: tsvector, GIN index, ts_rank_cd; needs QA_STORE_URL).")
    rerank: bool = Field(
        True, description="Rerank fused hits: boost articles whose outlet or title the question "
        "names, and spread the top passages over several articles.")
    same_article_decay: float = Field(
        0.7, gt=0, le=1, description="Rerank: score factor for each earlier pick from the same article.")
    min_similarity: float = Field(
        0.15, ge=-1, le=1,
        description="Refuse without calling the model when no passage has this cosine "
        "similarity to the question.",
    )


class EvidenceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sentences: bool = Field(
        True, description="Give the model the sentences of the retrieved chunks that bear on the "
        "question (qa/answer/evidence.py) instead of whole chunks: a third of the prompt, so a third of "
        "the wait on a CPU.")
    chunks: int = Field(8, ge=1, le=50, description="Retrieved chunks the sentences are chosen from.")
    tokens: int = Field(
        300, ge=50, description="Most evidence tokens (estimated) the model reads per question; "
        "the instructions and the question add about 130.")


class AnswerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy: Literal["remove", "flag"] = Field(
        "remove", description="Unsupported sentences: removed from the answer, or kept and flagged."
    )
    gate: bool = Field(
        True, description="Ask the model 'do these passages answer it?' before answering."
    )
    gate_threshold: float = Field(
        0.5, ge=0, le=1, description="Least P(yes), read from the model's log-probabilities, that "
        "the passages answer the question; tuned on a dev split by bench/gate.py.")
    gate_floor: float | None = Field(
        0.45, ge=0, le=1, description="Below this P(yes) the gate refuses; from it up to "
        "gate_threshold the gate is unsure and the draft decides: the answer stands only on the "
        "draft's own sentences that pass their check (no passage sentence stands in for a "
        "rejected one, and a yes/no verdict needs a checked reason). None: the gate refuses "
        "everything below gate_threshold. Tuned end to end on a dev split by bench/gate.py --drafts.")
    gate_passage: float | None = Field(
        None, ge=0, le=1, description="Below the floor, each evidence passage is asked alone; if "
        "one's P(yes) reaches this, the question is drafted as if unsure (the draft decides). "
        "None (the default): off, the gate refuses below the floor. Tuned on the users suite's "
        "tune half by bench/gate_passage.py (0.5), but off: on the report half it let wrong "
        "answers through and no right one (docs/gate.md).")
    quote_threshold: float | None = Field(
        0.6, ge=0, le=1, description="Before a refusal, each closest passage sentence (holding "
        "quote_coverage of the question's words) is put to the model alone: does it state the "
        "answer? The first whose P(yes) reaches this is shown as the answer, quoted and cited "
        "(qa/answer/quoted.py). None: off, the refusal stands. Fitted on the users suite's tune half.")
    quote_coverage: float = Field(
        0.5, ge=0, le=1, description="Least share of the question's content words a closest "
        "sentence must hold to be put to the model as the answer (quote_threshold).")
    verdict: bool = Field(
        True, description="Decide a yes/no question's direct answer by the model's P(yes) over the "
        "evidence (qa/answer/verdict.py), shown before the reasons are written; off: the word the model "
        "writes on its 'Answer:' line, shown when a checked reason supports it.")
    polar_threshold: float = Field(
        0.5, ge=0, le=1, description="Least P(yes) to a yes/no question, read from the model's "
        "log-probabilities over the evidence, for the direct answer Yes (No below it); tuned on a "
        "dev split by bench/verdict.py (qa/answer/verdict.py).")
    polar_parts: bool = Field(
        False, description="A yes/no question joining claims ('..., while ...') is Yes only when "
        "each claim, asked on its own, reaches polar_threshold (off: on the tuning split of "
        "bench/verdict.py the whole question's P(yes) decided better).")
    compose: bool = Field(
        True, description="Answer a comparison across outlets ('did A and B both report X?', "
        "'does A say X, while B says Y?') or an ordering ('was A's report on X before B's on Y?', "
        "'which came first ...?') from its parts: each looked for in the outlet it names and cited, "
        "the verdict drawn in code (qa/answer/compose.py); off: asked of the model whole.")
    split_parts: bool = Field(
        True, description="Answer a question that asks two things at once ('Is X growing? By how "
        "much?', '..., and how many were charged?') part by part: each searched, checked and cited "
        "on its own, a part the articles don't answer said to be missing (qa/answer/multipart.py); "
        "off: asked of the model whole.")
    max_tokens: int = Field(256, ge=16, le=4096, description="Longest answer, in tokens.")
    passage_tokens: int = Field(
        1200, ge=100, description="Most passage tokens (estimated) given to the model per question; "
        "the best-ranked passages that fit are kept. The local 1.5B reads ~27 tokens/s, so this "
        "bounds the wait for the first token.")
    check: bool = Field(
        True, description="Check each sentence against its citations. Off only to measure what "
        "the checker changes (evals): every sentence is then shown as the model wrote it.")
    model_check: bool = Field(
        True, description="Ask the model, for each sentence the rules pass, whether its passages "
        "state it (P(yes) from its log-probabilities, qa/check/support.py); models whose provider gives "
        "no log-probabilities are checked by the rules alone. The local model can't be asked while it "
        "writes, so sentences then appear once the draft is done.")
    support_p_threshold: float = Field(
        0.55, ge=0, le=1, description="Least P(yes) that the passages state a sentence; tuned on "
        "the tuning half of human-labelled summaries by bench/checker.py.")
    support_threshold: float = Field(
        0.45, ge=0, le=1, description="Least semantic support score for a cited sentence "
        "(0.5 x cosine + 0.5 x content-word overlap with the best cited sentence)."
    )

    @model_validator(mode="after")
    def _floor_under_threshold(self) -> AnswerSettings:
        if self.gate_floor is not None and self.gate_floor > self.gate_threshold:
            raise ValueError(f"answer.gate_floor ({self.gate_floor}) is above answer.gate_threshold "
                             f"({self.gate_threshold}): set the floor at or below the threshold, "
                             "or unset it (QA_ANSWER__GATE_FLOOR=null) to refuse below the threshold")
        return self


class SummarySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_sentences: int = Field(4, ge=1, le=30, description="Most sentences; more are cut.")
    max_words: int = Field(90, ge=10, description="Most words: the model is told, and the "
                           "sentences shown fit it (the lead always stays; a longer later one is "
                           "skipped for a shorter one after it).")
    share: float | None = Field(
        0.13, gt=0, le=1, description="A summary's length as a share of its articles' words: "
        "sentences of ~16 words for that share, at least 3, at most `max_sentences` (a 400-word "
        "article gets 3, a 500-word one 4); unset (as when a length is asked for): `max_sentences`.")
    sentence_words: int = Field(
        14, ge=5, description="Words asked of each summary sentence when each chosen sentence is "
        "shortened by its own model call (`select`); the small model tends to write a few more.")
    select: bool = Field(
        True, description="Choose the sentences that carry the news (the lead, then the best-scoring "
        "sentence that says something new: figures, quotes, what bears on the title), one a "
        "summary sentence, under `evidence_tokens`, before the model writes (the answer "
        "pipeline's evidence scores); off: the model reads the whole article, in parts when long.")
    evidence_tokens: int = Field(450, ge=50, description="Most tokens of chosen sentences per summary.")
    token_budget: int = Field(
        1500, ge=200, description="Passage tokens read per model call; longer inputs are "
        "summarised in parts and merged. The local 1.5B reads ~27-40 tokens/s on 2 cores.")
    max_tokens: int = Field(320, ge=32, description="Most tokens the model may write per call; "
                            "it is stopped sooner, at twice `max_words` (the rest would be hidden).")
    query_k: int = Field(8, ge=1, le=50, description="Passages retrieved for a topic summary.")


class StorySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    copies: bool = Field(True, description="Group near-duplicate articles (syndicated copy, light "
                         "edits, another headline): retrieval shows one passage per group and "
                         "cites the other copies as 'also in'.")
    copy_threshold: float = Field(
        0.6, gt=0, le=1, description="Share of the shorter article's word 4-shingles found in the "
        "other above which two articles are copies of one text (0.9 when either has under 40 "
        "words; bench/stories.py).")
    story_similarity: float = Field(
        0.55, ge=-1, le=1, description="Cosine similarity of two articles (their title's vector plus "
        "the mean of their chunks' vectors) above which they tell one story (bench/stories.py).")
    window_days: int = Field(14, ge=0, description="Most days between two articles of one story "
                             "(articles without a date join on similarity alone).")
    min_outlets: int = Field(2, ge=1, description="Outlets a story needs (as Particle asks: one "
                             "outlet's run of similar pieces, a weekly column say, is not a story).")
    max_articles: int = Field(20000, ge=2, description="Most articles `qa stories` groups at once "
                              "(pairwise: time grows with the square); more is an error asking "
                              "for --since / --until.")
    timeline_events: int = Field(12, ge=1, le=100, description="Most events in a timeline.")
    timeline_k: int = Field(16, ge=1, le=100, description="Passages retrieved for a timeline.")


class FeedSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    every: int = Field(900, ge=60, description="Seconds between polls of a feed added without "
                       "--every (15 minutes).")
    timeout: float = Field(20.0, gt=0, description="Seconds before a feed or page request fails.")
    max_mb: float = Field(10.0, gt=0, description="Largest feed or linked page read, in MB.")
    max_redirects: int = Field(5, ge=0, le=20, description="Redirects followed per request.")
    pages: bool = Field(True, description="Read each entry's full text from its linked page "
                        "(trafilatura); off: the entry's own content only.")
    background: bool = Field(True, description="Poll the feeds that are due while `qa serve` runs.")


class WatchSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    retry_seconds: float = Field(30.0, gt=0, description="Wait before a failed webhook delivery is "
                                 "tried again; doubled each failure, up to an hour. Never dropped.")
    timeout: float = Field(10.0, gt=0, description="Seconds before a webhook POST fails.")


class TelemetrySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    exporter: Literal["none", "console", "otlp"] = Field(
        "none", description="Where the OpenTelemetry spans of each answer step go: nowhere, printed "
        "to the console, or sent to an OTLP endpoint (gRPC).")
    otlp_endpoint: str = Field("http://localhost:4317", description="The OTLP collector, for "
                               "exporter=otlp.")
