"""Eval suites: the seed suite (YAML in evals/) and MultiHop-RAG (../shared)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

ROOT = Path(__file__).resolve().parents[2]
EVALS_DIR = ROOT / "evals"
MULTIHOP_DIR = ROOT.parent / "shared" / "data" / "multihop-rag-dev"


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    question: str
    facts: list[list[str]] = Field(default_factory=list,
                                   description="All groups must match; any string within a group.")
    must_not: list[str] = Field(default_factory=list)
    refuse: bool = Field(False, description="The right answer is a refusal.")
    cite: str | None = Field(None, description="Words the cited span must contain.")
    cite_article: str | None = Field(None, description="Title prefix of the article to cite.")
    gold_facts: list[str] = Field(default_factory=list,
                                  description="Evidence sentences: a retrieved chunk is relevant "
                                  "if it contains one (MultiHop-RAG's definition).")


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    suite: str
    corpus: list[str] = Field(description="Paths (relative to the project) to ingest first.")
    cases: list[EvalCase]


def load_suite(name: str) -> Suite:
    """'seed' -> evals/seed.yaml; 'multihop' -> ../shared MultiHop-RAG; or a YAML path."""
    if name == "multihop":
        return load_multihop()
    path = Path(name) if name.endswith((".yaml", ".yml")) else EVALS_DIR / f"{name}.yaml"
    if not path.is_file():
        from qa.errors import NotFound

        known = sorted(p.stem for p in EVALS_DIR.glob("*.yaml")) + ["multihop"]
        raise NotFound(f"no eval suite {name!r} (looked for {path}); known: {', '.join(known)}")
    return Suite.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_multihop(folder: Path = MULTIHOP_DIR) -> Suite:
    from qa.errors import NotFound

    if not (folder / "queries.jsonl").is_file():
        raise NotFound(f"MultiHop-RAG data not found in {folder}: the shared folder is absent")
    cases = []
    for line in (folder / "queries.jsonl").open(encoding="utf-8"):
        q = json.loads(line)
        null = q["question_type"].startswith("null")
        cases.append(EvalCase(
            id=f"mh-{q['id']}-{q['question_type'].split('_')[0]}", question=q["query"],
            facts=[] if null else [[q["answer"]]], refuse=null,
            gold_facts=[e["fact"] for e in q["evidence_list"]]))
    return Suite(suite="multihop", corpus=[str(folder / "articles.jsonl"),
                                           str(folder / "distractors.jsonl")], cases=cases)
