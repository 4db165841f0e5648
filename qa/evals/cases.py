"""Eval suites: YAML suites (qa/evals/suites/) and MultiHop-RAG (qa/evals/data/multihop-rag/,
ODC-BY 1.0: see the README there): `multihop` (its 200 dev queries) and `multihop40` (a fixed
stratified subset of 40, for CI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from qa.resources import SEEDS_DIR

PACKAGE = Path(__file__).resolve().parents[1]  # qa/: the built-in suites' corpus paths start here
SUITES_DIR = Path(__file__).resolve().parent / "suites"
MULTIHOP_DIR = Path(__file__).resolve().parent / "data" / "multihop-rag"
# multihop40: the first queries of each type in file order, in proportion to the 200 (68/62/49/21).
MULTIHOP40 = {"inference": 14, "comparison": 12, "temporal": 10, "null": 4}


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    question: str
    facts: list[list[str]] = Field(default_factory=list,
                                   description="All groups must match; any string within a group.")
    must_not: list[str] = Field(default_factory=list)
    refuse: bool = Field(False, description="The right answer is a refusal.")
    cite: str | None = Field(None, description="Words the cited span must contain.")
    question_type: str = Field("", description="A label to break results down by: MultiHop-RAG's "
                               "type, or how the question is phrased (loose, two-part, polar, "
                               "who-said, follow-up, wrong-premise ...).")
    answer: str = Field("", description="The gold short answer, for MultiHop-RAG's own (lenient) metric.")
    cite_article: str | None = Field(None, description="Title prefix of the article to cite.")
    gold_facts: list[str] = Field(default_factory=list,
                                  description="Evidence sentences: a retrieved chunk is relevant "
                                  "if it contains one (MultiHop-RAG's definition).")
    support: list[str] = Field(default_factory=list,
                               description="The article sentence(s) that state the expected facts: "
                               "a shown citation supports the answer when its quote is one of them "
                               "(cited-correct); for MultiHop-RAG, its gold evidence.")
    split: Literal["tune", "report", ""] = Field(
        "", description="tune: rules and thresholds may be fitted on it; report: figures are "
        "quoted from it only. '' for suites without a split.")
    history: list[tuple[str, str]] = Field(
        default_factory=list, description="Earlier (question, answer) turns of a follow-up chain.")


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    suite: str
    corpus: list[str] = Field(description="Files or folders to ingest first, relative to `root`; "
                              "\"seeds\" is the seed articles.")
    root: Path = Field(PACKAGE, description="Where corpus paths start: the qa package for the "
                       "built-in suites, the YAML file's folder for others.")
    cases: list[EvalCase]

    def corpus_paths(self) -> list[Path]:
        """The corpus entries as paths; "seeds" is the seed articles, wherever they live."""
        return [SEEDS_DIR if p == "seeds" else self.root / p for p in self.corpus]


def load_suite(name: str) -> Suite:
    """'seed' -> qa/evals/suites/seed.yaml; 'multihop' or 'multihop40'; or a YAML path."""
    if name in ("multihop", "multihop40"):
        return load_multihop(MULTIHOP40 if name == "multihop40" else None)
    builtin = not name.endswith((".yaml", ".yml"))
    path = SUITES_DIR / f"{name}.yaml" if builtin else Path(name)
    if not path.is_file():
        from qa.errors import NotFound

        known = sorted(p.stem for p in SUITES_DIR.glob("*.yaml")) + ["multihop", "multihop40"]
        raise NotFound(f"no eval suite {name!r} (looked for {path}); known: {', '.join(known)}")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Suite.model_validate({**data, "root": PACKAGE if builtin else path.resolve().parent})


def load_multihop(per_type: dict[str, int] | None = None, folder: Path = MULTIHOP_DIR) -> Suite:
    """MultiHop-RAG's dev queries over its 326 articles; `per_type`: only the first N
    queries of each type (a stratified subset)."""
    cases = []
    taken: dict[str, int] = {}
    for line in (folder / "queries.jsonl").open(encoding="utf-8"):
        q = json.loads(line)
        kind = q["question_type"].split("_")[0]
        if per_type is not None and taken.get(kind, 0) >= per_type.get(kind, 0):
            continue
        taken[kind] = taken.get(kind, 0) + 1
        null = kind == "null"
        cases.append(EvalCase(
            id=f"mh-{q['id']}-{kind}", question=q["query"], question_type=kind, answer=q["answer"],
            facts=[] if null else [[q["answer"]]], refuse=null,
            gold_facts=[e["fact"] for e in q["evidence_list"]],
            support=[e["fact"] for e in q["evidence_list"]]))
    name = "multihop" if per_type is None else f"multihop{sum(per_type.values())}"
    return Suite(suite=name, corpus=["articles.jsonl"], root=folder, cases=cases)
