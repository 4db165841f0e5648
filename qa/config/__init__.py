"""Settings: one pydantic-settings object, read from `QA_*` environment variables.

Nested sections are set with a double underscore, e.g. `QA_RETRIEVAL__K=6`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qa.config.sections import (
    AnswerSettings,
    ChunkingSettings,
    EvidenceSettings,
    FeedSettings,
    RetrievalSettings,
    StorySettings,
    SummarySettings,
    TelemetrySettings,
    WatchSettings,
)

__all__ = ["EMBED_MODELS", "AnswerSettings", "ChunkingSettings", "Embedder", "EvidenceSettings",
           "FeedSettings", "RetrievalSettings", "Settings", "StorySettings", "SummarySettings",
           "TelemetrySettings", "WatchSettings"]

Embedder = Literal["minilm", "minilm-int8"]
EMBED_MODELS: dict[Embedder, str] = {  # embedder -> the model id that goes into the index key
    "minilm": "sentence-transformers/all-MiniLM-L6-v2",
    "minilm-int8": "all-MiniLM-L6-v2-onnx-int8",
}


class Settings(BaseSettings):
    """Everything qa can be configured with. Every field reads `QA_<NAME>`."""

    model_config = SettingsConfigDict(
        env_prefix="QA_", env_nested_delimiter="__", extra="forbid", env_parse_none_str="null"
    )

    data_dir: Path = Field(Path(".qa"), description="Where the index and article texts live.")
    models_dir: Path | None = Field(
        None, description="Where the local GGUF model is assembled (default: DATA_DIR/models)."
    )
    model: str = Field(
        "local/qwen2.5-coder-1.5b",
        description="litellm model id: local/qwen2.5-coder-1.5b (default, no key), "
        "local/qwen2.5-coder-0.5b (fast), or any litellm id such as gpt-4o-mini or ollama/llama3.1.",
    )
    model_api_base: str | None = Field(
        None, description="Base URL of an OpenAI-compatible server for QA_MODEL=openai/NAME "
        "(e.g. http://127.0.0.1:8080/v1); several, separated by commas, are servers of one model "
        "(parallel slots), each call sent by litellm's Router to the least busy (qa/modelservers.py).")
    model_slots: int | None = Field(
        None, ge=1, le=256, description="Questions one qa process works on at once: the model's "
        "parallel slots. Unset: 1 for local/ models (one llama.cpp context a process), one per "
        "QA_MODEL_API_BASE server, 4 for other providers. A server with several slots of its own "
        "(llama-server --parallel N, vLLM) wants N here.")
    local_model_path: Path | None = Field(
        None, description="A GGUF file to use for local/* models instead of the packaged one."
    )
    llm_threads: int = Field(2, ge=1, le=64, description="CPU threads for the local model.")
    llm_context: int = Field(4096, ge=512, description="Context window of the local model.")
    llm_timeout: float = Field(120.0, gt=0, description="Seconds before a remote model call fails.")
    llm_retries: int = Field(2, ge=0, le=10, description="Retries of a failed remote model call.")
    seed: int = Field(0, description="Sampling seed; with temperature 0 answers are repeatable.")
    store_url: str | None = Field(
        None, description="postgresql://user:password@host:port/db of a PostgreSQL server holding the "
        "articles, chunks, copy groups, feeds and the change log, shared by every qa process that "
        "names it (with QA_CHROMA_URL for the vectors); unset = SQLite in DATA_DIR.")
    chroma_url: str | None = Field(
        None, description="http://host:port of a Chroma server; unset = embedded Chroma on disk."
    )
    embedder: Embedder = Field(
        "minilm", description="all-MiniLM-L6-v2 through sentence-transformers (fp32, torch), or "
        "minilm-int8: the same model as int8 ONNX through onnxruntime (no torch; ~1.4x faster "
        "embedding, vectors at cosine 0.9995 of fp32). Switching re-indexes the store.")
    embed_batch_size: int = Field(64, ge=1, description="Texts per embedding batch.")
    ingest_batch_chars: int = Field(
        300_000, ge=1, description="Article characters gathered before one embedding pass and one "
        "commit (~400 chunks); bounds the memory of a large ingest.")
    host: str = Field("127.0.0.1", description="Address the app and the API listen on; any other "
                      "than loopback needs QA_AUTH (the app) and QA_API_KEYS (the API).")
    port: int = Field(7860, description="Port the app listens on.")
    auth: str | None = Field(
        None, description="Log-in for the app: 'user:password', or the path of a file with one "
        "user:password a line. Unset = no log-in (the app binds 127.0.0.1 by default).")
    api_keys: str | None = Field(
        None, description="Keys for the HTTP API (Bearer tokens): 'name:key' pairs separated by "
        "commas, or the path of a file with one a line ('name:sha256:HEX' keeps only the digest; "
        "`qa keys new NAME` prints one). Unset = no key asked (the server binds 127.0.0.1).")
    max_upload_mb: int = Field(20, ge=1, description="Largest file the app and the API accept, in MB.")
    feeds_allow_private: bool = Field(
        False, description="Let feeds and their pages be fetched from loopback, private and "
        "link-local addresses (off: a feed URL cannot reach this machine or its network).")
    feeds: FeedSettings = Field(default_factory=FeedSettings, description="How feeds are polled.")
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings,
                                       description="How articles are cut into chunks.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings,
                                         description="How passages are found.")
    evidence: EvidenceSettings = Field(default_factory=EvidenceSettings,
                                       description="What the model reads of the retrieved chunks.")
    answer: AnswerSettings = Field(default_factory=AnswerSettings,
                                   description="How answers are generated and checked.")
    summary: SummarySettings = Field(default_factory=SummarySettings,
                                     description="How summaries are written.")
    stories: StorySettings = Field(default_factory=StorySettings,
                                   description="Copies, stories, timelines and disagreements.")
    watches: WatchSettings = Field(default_factory=WatchSettings,
                                   description="Saved questions re-answered as news arrives.")
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings,
                                         description="OpenTelemetry spans of each answer step.")

    @model_validator(mode="after")
    def _api_base_for_a_served_model(self) -> Settings:
        urls = self.model_api_bases()
        bad = [u for u in urls if not u.startswith(("http://", "https://"))]
        if bad:
            raise ValueError(f"QA_MODEL_API_BASE: {bad[0]!r} is not an http(s) URL such as "
                             "http://127.0.0.1:8080/v1")
        if urls and self.model.startswith("local/"):
            raise ValueError(f"QA_MODEL_API_BASE names a model server, but QA_MODEL={self.model} runs in "
                             "this process: set QA_MODEL=openai/NAME (NAME as the server calls its model)")
        return self

    def model_api_bases(self) -> list[str]:
        """QA_MODEL_API_BASE's URLs, in the order given."""
        return [u.strip().rstrip("/") for u in (self.model_api_base or "").split(",") if u.strip()]

    def auth_pairs(self) -> list[tuple[str, str]] | None:
        if not self.auth:
            return None
        path = Path(self.auth)
        lines = path.read_text().splitlines() if path.is_file() else [self.auth]
        pairs = [tuple(ln.strip().split(":", 1)) for ln in lines if ":" in ln]
        if not pairs:
            raise ValueError("QA_AUTH must be 'user:password' or a file of such lines")
        return [(u, p) for u, p in pairs]

    @property
    def model_dir(self) -> Path:
        return self.models_dir or self.data_dir / "models"

    def index_key(self) -> str:
        """Hash of what decides the vectors: change either and qa re-indexes."""
        blob = json.dumps({"embed": EMBED_MODELS[self.embedder], "chunking": self.chunking.model_dump()},
                          sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]
