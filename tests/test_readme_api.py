"""The README's HTTP API examples work as written: its curl lines and its `openai` snippet run
against a real server (its port swapped in) over the seed articles. The model is a fake
(it always finds the passages relevant and writes one cited sentence): what is tested here is
that every example is a valid request that the server answers, not the answers' quality."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from qa.api.server import create_app
from qa.index.store import Store
from qa.ingest.add import ingest
from qa.service.service import Service

from .conftest import ROOT, SEEDS, make_settings, serving

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## HTTP API", 1)[1].split("\n## ", 1)[0]


def fake_llm_model(settings, messages, *, max_tokens=256, stream=False, usage=None):
    """A fake: 'yes' to the gate's yes/no prompt, else one sentence citing the passage that
    holds the seed article's arrest figure."""
    if max_tokens <= 3:
        yield "yes"
        return
    prompt = " ".join(m["content"] for m in messages)
    n = next((m.group(1) for m in re.finditer(r'<passage n="(\d+)"[^>]*>(.*?)</passage>', prompt, re.S)
              if "1,000 arrests" in m.group(2)), "1")
    yield f"Live facial recognition has led to more than 1,000 arrests [{n}]."


def block(lang: str) -> str:
    found = re.search(rf"```{lang}\n(.*?)```", SECTION, re.S)
    assert found, f"no {lang} block in the README's HTTP API section"
    return found.group(1)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("readme") / "data")
    store = Store(settings)
    ingest([SEEDS], store)
    with serving(create_app(Service(settings, store, complete=fake_llm_model))) as url:
        yield url, store


def test_fake_llm_readme_curl_examples_work_as_written(served):
    url, store = served
    commands = [c.split("  #")[0].strip() for c in block("bash").replace("\\\n", " ").splitlines()
                if c.strip()]
    assert len(commands) >= 8 and all(c.startswith("curl ") for c in commands)
    for command in commands:
        if "ARTICLE_ID" in command:
            harbour = next(a for a in store.list_articles() if a["title"] == "Harbour reopens")
            command = command.replace("ARTICLE_ID", harbour["id"])
        command = command.replace("http://127.0.0.1:7860", url) + " -w '\\n%{http_code}'"
        out = subprocess.run(["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=300)
        body, _, status = out.stdout.rpartition("\n")
        assert out.returncode == 0 and status == "200", (command, out.stdout[-500:], out.stderr[-500:])
        if '"stream": true' in command:
            assert "event: answer" in body, body[-500:]
        else:
            assert "error" not in json.loads(body), body[:500]


def test_fake_llm_readme_openai_example_works_as_written(served):
    url, _ = served
    code = block("python").replace("http://127.0.0.1:7860", url)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert re.search(r"1,000 arrests \[(\d)\]", out.stdout) and "] Met Police" in out.stdout, out.stdout
