"""Scale-out on real servers started here on 127.0.0.1: a Chroma server (`chroma run`) as the
store, and llama.cpp's OpenAI-compatible server reached through litellm's `openai/` provider.
Also: a remote model that fails gives a clear error after bounded retries."""

import json
import os
import subprocess
import sys
import time

import pytest

from qa.index.retrieve import search
from qa.index.store import Store
from qa.ingest.add import ingest

from .conftest import MODELS_DIR, ROOT, SEEDS, free_port, make_settings
from .servers import wait_for


def test_chroma_server_store_ingest_and_search(chroma_url, tmp_path):
    settings = make_settings(tmp_path / "data", chroma_url=chroma_url)
    store = Store(settings)
    report = ingest([SEEDS], store)
    assert len(report.added) == 1
    assert store.chroma.collection.count() == store.counts()["chunks"]
    hits = search(store, "How many arrests?", settings.retrieval, k=3)
    assert any("1,000 arrests" in h.text for h in hits)
    assert not (tmp_path / "data" / "chroma").exists()  # vectors went to the server


@pytest.mark.slow
def test_chroma_server_ask_with_the_local_model(chroma_url, tmp_path):
    env = {**os.environ, "QA_DATA_DIR": str(tmp_path / "d"), "QA_MODELS_DIR": str(MODELS_DIR),
           "QA_CHROMA_URL": chroma_url}
    out = subprocess.run([sys.executable, "-m", "qa.cli", "ask", "--json",
                          "How many arrests has live facial recognition led to?"],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    ans = json.loads(out.stdout.strip().splitlines()[-1])
    assert not ans["refused"] and "1,000" in ans["text"]
    assert any("1,000 arrests" in c["quote"] for c in ans["citations"])


@pytest.mark.slow
def test_llama_cpp_server_through_litellm_openai_provider(tmp_path):
    from qa.config import Settings
    from qa.localmodel import model_path

    gguf = model_path("qwen2.5-coder-1.5b", Settings(models_dir=MODELS_DIR).model_dir)
    port = free_port()
    log = tmp_path / "llama-server.log"  # a file, not a pipe: a full pipe would block the server
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
                             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
                             "--n_threads", "2"], stdout=log.open("w"), stderr=subprocess.STDOUT,
                            env={**os.environ, "OMP_WAIT_POLICY": "passive"})
    try:
        wait_for(f"http://127.0.0.1:{port}/v1/models", proc, log)
        env = {**os.environ, "QA_DATA_DIR": str(tmp_path / "d"), "QA_MODEL": "openai/qwen",
               "OPENAI_API_BASE": f"http://127.0.0.1:{port}/v1", "OPENAI_API_KEY": "none"}
        out = subprocess.run([sys.executable, "-m", "qa.cli", "ask", "--json",
                              "How big is the Met's funding shortfall?"],
                             env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        ans = json.loads(out.stdout.strip().splitlines()[-1])
        assert ans["model"] == "openai/qwen"
        assert not ans["refused"] and "260" in ans["text"], ans
        # summaries go through the same provider
        out = subprocess.run([sys.executable, "-m", "qa.cli", "summarize", "--json", "Met police"],
                             env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
        summary = json.loads(out.stdout)
        assert summary["model"] == "openai/qwen" and summary["sentences"], out.stderr[-2000:]
        shown = [x for x in summary["sentences"] if x["supported"]]
        assert shown and all(x["citations"] for x in shown)
        speakers = " ".join(f["speaker"] for f in summary["key_facts"] if f["kind"] == "quote")
        assert "Rowley" in speakers and "Whelton" in speakers
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_failing_remote_model_gives_a_clear_error(tmp_path):
    env = {**os.environ, "QA_DATA_DIR": str(tmp_path / "d"), "QA_MODEL": "openai/nothing-here",
           "OPENAI_API_BASE": f"http://127.0.0.1:{free_port()}/v1", "OPENAI_API_KEY": "sk-secret-123",
           "QA_LLM_RETRIES": "1", "QA_LLM_TIMEOUT": "5"}
    t = time.time()
    out = subprocess.run([sys.executable, "-m", "qa.cli", "ask", "How many arrests?"], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 1
    assert "model openai/nothing-here failed" in out.stderr and "API key" in out.stderr
    assert "sk-secret-123" not in out.stderr + out.stdout  # keys are never shown
    assert time.time() - t < 120  # retries are bounded
