"""The model behind real model servers (`python -m llama_cpp.server`, started by the tests on
127.0.0.1 with the packaged GGUF): QA_MODEL=openai/NAME with QA_MODEL_API_BASE. One server
gives the in-process model's answers and P(yes) (from the server's log-probabilities); two
servers are two slots, litellm's Router sending each call to the idle one; and two `qa serve`
processes over one PostgreSQL store, one Chroma server and the two model servers answer 8
concurrent clients (more than the two slots: they queue), each with its own question's
checked answer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import ValidationError

from bench import servers
from qa import llm
from qa.config import Settings
from qa.index.store import Store
from qa.localmodel import model_path

from .conftest import MODELS_DIR, make_settings, running_app
from .test_api_local import CLIENTS, JOBS, QUESTIONS, same

pytestmark = pytest.mark.slow
MESSAGES = [{"role": "user", "content": "Passage: The Met faces a budget gap of £260 million.\n"
             "Does the passage say how big the Met's budget gap is? Answer yes or no."}]


@pytest.fixture(scope="module")
def api_base():
    """QA_MODEL_API_BASE of two model servers of the default local model, two threads each."""
    with servers.model_servers(model_path("qwen2.5-coder-1.5b", MODELS_DIR), n=2) as bases:
        yield bases


def served(tmp_path, api_base: str, **kw) -> Settings:
    return make_settings(tmp_path / "data", model="openai/qwen", model_api_base=api_base, **kw)


def test_a_model_api_base_needs_a_served_model_and_http_urls(tmp_path):
    with pytest.raises(ValidationError, match="QA_MODEL=openai/NAME"):
        make_settings(tmp_path, model_api_base="http://127.0.0.1:8080/v1")
    with pytest.raises(ValidationError, match="'ftp://x' is not an http"):
        make_settings(tmp_path, model="openai/qwen", model_api_base="http://127.0.0.1:8080/v1, ftp://x")


def test_a_process_works_on_as_many_questions_at_once_as_the_model_has_slots(tmp_path):
    from qa.modelservers import slots

    assert slots(make_settings(tmp_path)) == 1  # the local model: one llama.cpp context
    two = "http://127.0.0.1:8001/v1,http://127.0.0.1:8002/v1"
    assert slots(make_settings(tmp_path, model="openai/qwen", model_api_base=two)) == 2
    assert slots(make_settings(tmp_path, model="openai/qwen", model_api_base=two, model_slots=8)) == 8
    assert slots(make_settings(tmp_path, model="gpt-4o-mini")) == 4


def test_one_model_server_writes_and_scores_like_the_in_process_model(tmp_path, api_base):
    """P(yes) comes from the server's log-probabilities. The server computes every prompt
    token's logits (llama-cpp-python's server needs logits_all for log-probabilities), so its
    sums differ from the in-process model's in the last digits: P(yes) agrees to 0.01, and
    a greedy text can part ways at a near-tie, so texts are compared server to server."""
    local, remote = make_settings(tmp_path / "l"), served(tmp_path, api_base.split(",")[0])
    prompt = [{"role": "user", "content": "Write one sentence about a police budget gap of £260 million."}]
    written = "".join(llm.complete(remote, prompt, max_tokens=40))
    assert "£260 million" in written
    assert "".join(llm.complete(remote, prompt, max_tokens=40, stream=True)) == written
    p_local, p_remote = llm.yes_probability(local, MESSAGES), llm.yes_probability(remote, MESSAGES)
    assert p_remote is not None and abs(p_remote - p_local) < 0.01, (p_local, p_remote)


def test_two_model_servers_take_two_calls_at_once(tmp_path, api_base):
    settings = served(tmp_path, api_base)
    prompts = [[{"role": "user", "content": f"Name {n} colours, separated by commas."}] for n in (5, 6)]
    before = servers.served_calls(api_base)
    alone = ["".join(llm.complete(settings, p, max_tokens=30)) for p in prompts]
    mid = servers.served_calls(api_base)
    with ThreadPoolExecutor(2) as pool:
        together = list(pool.map(lambda p: "".join(llm.complete(settings, p, max_tokens=30)), prompts))
    after = servers.served_calls(api_base)
    assert together == alone
    assert sum(mid) - sum(before) == 2
    assert [a - m for a, m in zip(after, mid, strict=True)] == [1, 1]  # the second went to the idle one


def test_two_qa_servers_and_two_model_servers_answer_concurrent_clients(
        tmp_path, api_base, store_url, chroma_url):
    """Each client gets its own question's answer, refused or not as the single client was,
    with only checked sentences whose quotes are their articles' own words. Direct answers and
    texts are counted, not required equal: a llama-cpp-python server reuses the cache of the
    last prompt it read, so the same prompt's sums differ in the last digits with what the
    server did before, and a greedy draft can part ways at a near-tie (seen: "80 officers."
    for one client, a draft without the figure for another). The in-process model, one cache
    per process, is held to equal texts in tests/test_api_local.py."""
    import httpx

    def ask(url: str, q: str) -> dict:
        r = httpx.post(f"{url}v1/ask", json={"question": q}, timeout=1800)
        r.raise_for_status()
        return r.json()

    env = {"QA_STORE_URL": store_url, "QA_CHROMA_URL": chroma_url, "QA_MODEL": "openai/qwen",
           "QA_MODEL_API_BASE": api_base, "QA_LLM_TIMEOUT": "1800"}
    with running_app(tmp_path / "a", **env) as a, running_app(tmp_path / "b", **env) as b:
        single = {q: ask(a, q) for q in QUESTIONS}
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(lambda i: ask((a, b)[i % 2], JOBS[i]), range(CLIENTS)))
    store = Store(make_settings(tmp_path / "check", store_url=store_url, chroma_url=chroma_url))
    assert sum(not body["refused"] for body in single.values()) >= 2, single
    assert min(servers.served_calls(api_base)) > 0  # both model servers answered
    for q, got in zip(JOBS, results, strict=True):
        assert got["question"] == q  # no client gets another's answer
        assert got["refused"] == single[q]["refused"], (q, got["text"], single[q]["text"])
        assert got["refused"] or got["citations"], got["text"]
        for c in got["citations"]:
            assert c["quote"] and store.text(c["article_id"])[c["start"]:c["end"]] == c["quote"], c
    pairs = list(zip(JOBS, results, strict=True))
    answers = sum(got["answer"] == single[q]["answer"] for q, got in pairs)
    texts = sum(same(got["text"]) == same(single[q]["text"]) for q, got in pairs)
    print(f"\n{CLIENTS} clients over two qa processes and two model servers: {answers} direct "
          f"answers and {texts} texts of {CLIENTS} as one client's")
