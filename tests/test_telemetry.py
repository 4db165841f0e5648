"""OpenTelemetry spans of every answer step, read back from the SDK's in-memory exporter and
from the console exporter a user would switch on (QA_TELEMETRY__EXPORTER=console). The model
is the queue-driven fake (tests named test_fake_llm_*); store and embeddings are real."""

import json
import os
import subprocess
import sys

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from qa import telemetry
from qa.answer.ask import ask

from .conftest import ROOT, FakeLLM
from .test_answer_flow import Q
from .test_api import answer_reply


@pytest.fixture(scope="module")
def spans():
    exporter = InMemorySpanExporter()
    assert telemetry.configure(exporter=exporter)
    return exporter


def test_fake_llm_every_answer_step_is_a_span_under_the_answer_with_its_figures(seed_store, spans):
    spans.clear()
    ans = ask(Q, seed_store.settings, seed_store, complete=FakeLLM().enqueue("yes", answer_reply(seed_store)))
    assert not ans.refused
    got = {s.name: s for s in spans.get_finished_spans()}
    assert {"qa.ask", "qa.retrieve", "qa.evidence", "qa.gate", "qa.generate", "qa.check"} <= set(got)
    root = got["qa.ask"]
    assert root.parent is None and root.attributes["qa.question"] == Q
    for name, s in got.items():
        assert s.context.trace_id == root.context.trace_id, name
        assert name == "qa.ask" or s.parent is not None, name
    assert got["qa.check"].parent.span_id in (got["qa.generate"].context.span_id, root.context.span_id)
    assert root.attributes["qa.seconds.gate"] == pytest.approx(ans.timings["gate"])
    assert root.attributes["qa.refused"] is False and root.attributes["qa.citations"] == len(ans.citations)
    assert got["qa.gate"].attributes["qa.passes"] is True
    checked = [s for s in spans.get_finished_spans() if s.name == "qa.check"]
    said = [t for s in checked for t in s.attributes["qa.sentences"]]
    assert any("1,000 arrests" in t for t in said)
    assert all(ok for s in checked for ok in s.attributes["qa.supported"])


def test_fake_llm_a_refused_question_says_so_in_its_span(seed_store, spans):
    spans.clear()
    ask("What did the Met say about its budget for horses?", seed_store.settings, seed_store,
        complete=FakeLLM().enqueue("no"))
    got = {s.name: s for s in spans.get_finished_spans()}
    assert got["qa.ask"].attributes["qa.refused"] is True
    assert got["qa.gate"].attributes["qa.passes"] is False and "no" in got["qa.gate"].attributes["qa.why"]


def test_fake_llm_the_console_exporter_prints_the_spans_when_configured(tmp_path, seed_store):
    data, models = str(seed_store.settings.data_dir), str(seed_store.settings.models_dir)
    code = (
        "from qa.config import Settings\n"
        "from qa.service.service import Service\n"
        "from qa.index.store import Store\n"
        "from qa.service.schemas import AskRequest\n"
        "from tests.conftest import FakeLLM\n"
        f"s = Settings(data_dir={data!r}, models_dir={models!r})\n"
        "svc = Service(s, Store(s), complete=FakeLLM().enqueue('no'))\n"
        "svc.ask(AskRequest(question='What did the Met say about its budget for horses?'))\n")
    env = {**os.environ, "QA_TELEMETRY__EXPORTER": "console"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    printed = json.loads("[" + out.stdout.replace("}\n{", "},\n{") + "]")
    names = {s["name"] for s in printed}
    assert {"qa.ask", "qa.retrieve", "qa.gate"} <= names
