"""The HTTP API on a real uvicorn server, called by real clients (httpx, the official `openai`
package, litellm): shapes, streaming, auth, uploads, errors. The model here is the
queue-driven fake (tests named test_fake_llm_*) or none at all; tests/test_api_local.py asks
the real local model through the served app."""

import json
import sqlite3

import httpx
import pytest

from qa.api.server import build_server, check_binding, create_app
from qa.config import Settings
from qa.errors import QAError
from qa.index.store import Store
from qa.ingest.add import ingest
from qa.keys import digest
from qa.service.service import Service

from .conftest import SEEDS, FakeLLM, make_settings, serving
from .test_answer_flow import Q, cite_n

KEY = "qa-test-key-123"


@pytest.fixture
def api(tmp_path):
    """(url, service, fake model) of a served API over its own store of the seed articles."""
    settings = make_settings(tmp_path / "data", max_upload_mb=1)
    store = Store(settings)
    ingest([SEEDS], store)
    fake = FakeLLM()
    service = Service(settings, store, complete=fake)
    with serving(create_app(service)) as url:
        yield url, service, fake


def answer_reply(store) -> str:
    n = cite_n(store, Q, "1,000 arrests")
    return f"Answer: More than 1,000.\nLive facial recognition has led to more than 1,000 arrests [{n}]."


def test_fake_llm_openai_client_gets_checked_cited_answers_streamed_and_not(api):
    from openai import OpenAI

    url, service, fake = api
    client = OpenAI(base_url=f"{url}/v1", api_key="unused")
    assert [m.id for m in client.models.list()] == ["qa"]
    fake.enqueue("yes", answer_reply(service.store))
    msg = client.chat.completions.create(model="qa", messages=[{"role": "user", "content": Q}]
                                         ).choices[0].message
    assert msg.content.startswith("Live facial recognition has led to more than 1,000 arrests [")
    assert msg.content.endswith("\n\nAnswer: More than 1,000.")
    (cite,) = msg.model_extra["citations"]
    assert service.store.text(cite["article_id"])[cite["start"]:cite["end"]] == cite["quote"]
    assert "1,000 arrests" in cite["quote"] and cite["supported"] is True
    assert msg.model_extra["qa"] == {"answer": "More than 1,000", "refused": False, "reason": "",
                                     "searched_for": "", "checked_by": "rules", "searched": "",
                                     "closest": []}

    fake.enqueue("yes", answer_reply(service.store))
    chunks = list(client.chat.completions.create(model="qa", stream=True,
                                                 messages=[{"role": "user", "content": Q}]))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == msg.content
    with_extras = [c for c in chunks if (c.choices[0].delta.model_extra or {}).get("citations")]
    assert len(with_extras) == 1 and with_extras[0] is chunks[-1]  # once, in the final chunk
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert with_extras[0].choices[0].delta.model_extra["citations"] == msg.model_extra["citations"]


def test_fake_llm_chat_refusal_says_why_and_follow_up_uses_the_conversation(api):
    from openai import OpenAI

    url, service, fake = api
    client = OpenAI(base_url=f"{url}/v1", api_key="unused")
    fake.enqueue("no")
    msg = client.chat.completions.create(model="qa", messages=[
        {"role": "user", "content": "What did the Met say about its budget for horses?"}]).choices[0].message
    assert msg.content.startswith("The articles don't say. Searched 1 article, for “What did the Met "
                                  "say about its budget for horses?”. (Why: ")
    assert msg.model_extra["qa"]["refused"] and msg.model_extra["citations"] == []
    closest = msg.model_extra["qa"]["closest"]  # where the reader can look: not citations
    assert closest and "\n\nClosest passages (none answers it):\n- " in msg.content
    assert all(service.store.text(c["article_id"])[c["start"]:c["end"]] == c["quote"] for c in closest)
    assert closest[0]["quote"] in msg.content

    fake.enqueue("How many were charged or cautioned after facial recognition arrests?", "no")
    msg = client.chat.completions.create(model="qa", messages=[
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": Q}, {"role": "assistant", "content": "More than 1,000 [1]."},
        {"role": "user", "content": "and how many were charged?"}]).choices[0].message
    rewrite = fake.history[-2][0]["content"]
    assert "User: " + Q in rewrite and "and how many were charged?" in rewrite
    assert msg.model_extra["qa"]["searched_for"].startswith("How many were charged")


def test_fake_llm_litellm_as_a_client(api):
    import litellm

    url, service, fake = api
    fake.enqueue("yes", answer_reply(service.store), "yes", answer_reply(service.store))
    kw = {"model": "openai/qa", "api_base": f"{url}/v1", "api_key": "unused",
          "messages": [{"role": "user", "content": Q}]}
    msg = litellm.completion(**kw).choices[0].message
    assert "1,000 arrests [" in msg.content
    assert msg.provider_specific_fields["citations"][0]["quote"].count("1,000 arrests") == 1
    parts = list(litellm.completion(stream=True, **kw))
    assert "".join(p.choices[0].delta.content or "" for p in parts) == msg.content
    assert any(getattr(p.choices[0].delta, "citations", None) for p in parts)


def test_fake_llm_native_ask_json_and_server_sent_events(api):
    url, service, fake = api
    fake.enqueue("yes", answer_reply(service.store))
    body = httpx.post(f"{url}/v1/ask", json={"question": Q}, timeout=60).json()
    assert body["answer"] == "More than 1,000" and not body["refused"] and "passages" not in body
    assert body["citations"][0]["quote"] in service.store.text(body["citations"][0]["article_id"])

    fake.enqueue("yes", answer_reply(service.store))
    events = []
    with httpx.stream("POST", f"{url}/v1/ask", json={"question": Q, "stream": True}, timeout=60) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("event: "):
                events.append([line[7:], None])
            elif line.startswith("data: "):
                events[-1][1] = json.loads(line[6:])
    kinds = [k for k, _ in events]
    assert kinds[0] == "progress" and kinds[-1] == "answer" and "sentence" in kinds
    assert kinds.index("sentence") > max(i for i, k in enumerate(kinds) if k == "progress")
    assert events[-1][1]["text"] == body["text"]


def test_fake_llm_summarize_search_and_health(api):
    url, service, fake = api
    (article,) = httpx.get(f"{url}/v1/articles").json()["articles"]
    assert set(article) >= {"id", "title", "source", "published_at", "url", "chunks"}
    assert "key" not in article and "text" not in article  # no server path, no body
    hits = httpx.post(f"{url}/v1/search", json={"query": "facial recognition arrests", "k": 3}).json()
    assert len(hits["results"]) == 3 and hits["results"][0]["article_id"] == article["id"]
    health = httpx.get(f"{url}/v1/health").json()
    assert health["articles"] == 1 and health["chunks"] == article["chunks"]

    fake.enqueue(*["The Met will double its use of live facial recognition."] * 2)  # one a sentence
    s = httpx.post(f"{url}/v1/summarize", json={"article": article["id"], "sentences": 2},
                   timeout=60).json()
    assert s["subject"] == article["title"] and s["key_facts"] and "passages" not in s
    both = httpx.post(f"{url}/v1/summarize", json={"article": article["id"], "query": "police"})
    assert both.status_code == 400 and "not both" in both.json()["error"]["message"]


def test_errors_come_in_openai_shape_and_name_the_problem(api):
    from openai import BadRequestError, NotFoundError, OpenAI

    url, _, _ = api
    client = OpenAI(base_url=f"{url}/v1", api_key="unused")
    with pytest.raises(NotFoundError, match="model 'gpt-4o' does not exist"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": Q}])
    with pytest.raises(BadRequestError, match="must end with a user message"):
        client.chat.completions.create(model="qa", messages=[{"role": "assistant", "content": "hi"}])
    r = httpx.post(f"{url}/v1/ask", json={"question": Q, "filters": {"since": "last week"}})
    assert r.status_code == 422
    assert r.json()["error"]["message"] == ("body.filters.since: 'last week' is not a date; "
                                            "write it as YYYY-MM-DD, e.g. 2023-10-18")
    r = httpx.post(f"{url}/v1/ask", json={})
    assert r.status_code == 422 and r.json()["error"]["message"] == "body.question: Field required"
    r = httpx.delete(f"{url}/v1/articles/nope")
    assert r.status_code == 404 and "no article with id 'nope'" in r.json()["error"]["message"]
    r = httpx.post(f"{url}/v1/articles", content=b"title,text", headers={"content-type": "text/csv"})
    assert r.status_code == 415 and "multipart/form-data" in r.json()["error"]["message"]


def count(service) -> tuple[int, int]:
    with sqlite3.connect(service.settings.data_dir / "qa.sqlite3") as db:
        return (db.execute("SELECT count(*) FROM articles").fetchone()[0],
                db.execute("SELECT count(*) FROM chunks").fetchone()[0])


def test_articles_added_and_deleted_through_the_api_with_the_apps_limits(api, tmp_path):
    url, service, _ = api
    before = count(service)
    text = ("Harbour News\nStorm closes the harbour\nOctober 2, 2023\n\n"
            + "The storm closed the harbour for three days, the port authority said. " * 5)
    good = tmp_path / "storm.txt"
    good.write_text(text)
    r = httpx.post(f"{url}/v1/articles", files=[("files", ("storm.txt", good.read_bytes()))])
    assert r.status_code == 200 and r.json()["added"] == ["Storm closes the harbour"], r.text
    again = httpx.post(f"{url}/v1/articles", files=[("files", ("storm.txt", good.read_bytes()))]).json()
    assert again["skipped"] == ["Storm closes the harbour"] and again["chunks"] == 0
    after_add = count(service)
    assert after_add[0] == before[0] + 1

    bad = httpx.post(f"{url}/v1/articles", files=[("files", ("run.exe", b"MZ\x90\x00"))])
    assert bad.status_code == 400 and "run.exe: unsupported file type" in bad.json()["error"]["message"]
    big = httpx.post(f"{url}/v1/articles", files=[("files", ("big.txt", b"word " * 300_000))])
    assert big.status_code == 413 and "over the limit of 1 MB" in big.json()["error"]["message"]
    sneaky = httpx.post(f"{url}/v1/articles", files=[("files", ("../../etc/x.txt", text.encode()))])
    assert sneaky.status_code == 200 and not list(tmp_path.glob("etc"))  # kept as uploads/x.txt
    assert (service.settings.data_dir / "uploads" / "x.txt").is_file()
    no_text = httpx.post(f"{url}/v1/articles", json={"articles": [{"title": "Only a title"}]})
    assert no_text.status_code == 400
    assert no_text.json()["error"]["message"] == "nothing stored: api article 1: missing field(s) text"
    assert count(service) == after_add  # x.txt has storm.txt's text: the same article, not a new one

    row = {"title": "Council budget approved", "text": "The council approved its budget on Tuesday. " * 4,
           "source": "Coast News", "published_at": "2023-11-02", "url": "https://example.com/budget"}
    added = httpx.post(f"{url}/v1/articles", json={"articles": [row]}).json()
    assert added["added"] == ["Council budget approved"]
    listed = {a["title"]: a for a in httpx.get(f"{url}/v1/articles").json()["articles"]}
    assert listed["Council budget approved"]["url"] == row["url"]
    victim = listed["Council budget approved"]["id"]
    assert httpx.delete(f"{url}/v1/articles/{victim}").json() == {"deleted": victim}
    assert httpx.delete(f"{url}/v1/articles/{victim}").status_code == 404
    assert count(service) == after_add


def test_api_keys_no_key_wrong_key_right_key(tmp_path):
    from openai import AuthenticationError, OpenAI

    keyfile = tmp_path / "keys"
    keyfile.write_text(f"# who may call\nci:sha256:{digest(KEY)}\nann:plain-key\n")
    settings = make_settings(tmp_path / "data", api_keys=str(keyfile))
    service = Service(settings, Store(settings), complete=FakeLLM())
    with serving(create_app(service)) as url:
        none = httpx.get(f"{url}/v1/health")
        assert none.status_code == 401 and none.json()["error"]["code"] == "missing_api_key"
        assert none.headers["www-authenticate"] == "Bearer"
        wrong = httpx.get(f"{url}/v1/health", headers={"Authorization": "Bearer guess"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
        for key in (KEY, "plain-key"):
            ok = httpx.get(f"{url}/v1/health", headers={"Authorization": f"Bearer {key}"})
            assert ok.status_code == 200 and ok.json()["status"] == "ok"
        with pytest.raises(AuthenticationError, match="not valid"):
            OpenAI(base_url=f"{url}/v1", api_key="guess").models.list()
        assert [m.id for m in OpenAI(base_url=f"{url}/v1", api_key=KEY).models.list()] == ["qa"]
        assert httpx.post(f"{url}/v1/articles", json={"articles": [{"title": "t", "text": "x " * 50}]}
                          ).status_code == 401
        assert Store(settings).counts()["articles"] == 0


def test_keys_spec_errors_name_the_entry():
    from qa.keys import load, owner

    keys = load("ci:abc,ann:def")
    assert owner("abc", keys) == "ci" and owner("def", keys) == "ann" and owner("abd", keys) is None
    assert "abc" not in json.dumps(keys)  # only digests are kept
    with pytest.raises(ValueError, match="entry 2 must be 'name:key'"):
        load("ci:abc,no-colon")


def test_serving_beyond_loopback_needs_a_login_and_keys(tmp_path):
    for host in ("127.0.0.1", "::1", "localhost"):
        check_binding(Settings(host=host))
    with pytest.raises(QAError, match="refusing to listen on 0.0.0.0 without QA_AUTH and QA_API_KEYS"):
        check_binding(Settings(host="0.0.0.0"))
    with pytest.raises(QAError, match="without QA_API_KEYS"):
        check_binding(Settings(host="0.0.0.0", auth="ann:pw"))
    check_binding(Settings(host="0.0.0.0", auth="ann:pw", api_keys="ci:k"))


def test_one_server_serves_the_app_the_api_and_its_docs(tmp_path):
    settings = make_settings(tmp_path / "data")
    store = Store(settings)
    ingest([SEEDS], store)
    with serving(build_server(Service(settings, store))) as url:
        page = httpx.get(f"{url}/")
        assert page.status_code == 200 and "gradio" in page.text.lower()
        assert "/ask" in httpx.get(f"{url}/gradio_api/info").text
        docs = httpx.get(f"{url}/docs")
        assert docs.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in docs.text
        assert "cdn" not in docs.text  # the page works offline
        js = httpx.get(f"{url}/docs-assets/swagger-ui-bundle.js")
        assert js.status_code == 200 and len(js.content) > 100_000
        paths = httpx.get(f"{url}/openapi.json").json()["paths"]
        assert {"/v1/ask", "/v1/chat/completions", "/v1/articles", "/v1/articles/{article_id}",
                "/v1/summarize", "/v1/search", "/v1/health", "/v1/models"} <= set(paths)
        assert httpx.get(f"{url}/v1/health").json()["articles"] == 1


def test_qa_serve_refuses_a_public_address_without_keys(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "QA_HOST": "0.0.0.0", "QA_DATA_DIR": str(tmp_path / "data")}
    env.pop("QA_AUTH", None), env.pop("QA_API_KEYS", None)
    out = subprocess.run([sys.executable, "-m", "qa.cli", "serve"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 1
    assert "refusing to listen on 0.0.0.0 without QA_AUTH and QA_API_KEYS" in out.stderr
    assert not (tmp_path / "data").exists()  # refused before anything was opened


def test_qa_keys_new_prints_a_key_and_its_digest_line(tmp_path):
    import subprocess
    import sys

    from qa.keys import load, owner

    out = subprocess.run([sys.executable, "-m", "qa.cli", "keys", "new", "ci"], capture_output=True,
                         text=True, timeout=60).stdout.splitlines()
    key = out[0].removeprefix("key: ")
    line = out[1].removeprefix("line for the QA_API_KEYS file: ")
    assert key.startswith("qa-") and key not in line and line.startswith("ci:sha256:")
    (tmp_path / "keys").write_text(line + "\n")
    assert owner(key, load(str(tmp_path / "keys"))) == "ci"


def test_fake_llm_a_question_arriving_during_the_warm_up_waits_for_it(api, monkeypatch):
    """The app warms up in a thread; a question that arrives meanwhile must not import and
    load beside it (a first question got a 500 on a fresh CI machine): it starts once the
    warm-up has finished."""
    import threading
    import time

    import qa.index.embed as embed
    from qa.service.schemas import AskRequest

    _, service, fake = api
    real, calls_when_warm = embed.get_model, []

    def slow_warm_up(*args):  # the warm-up thread's load, made slow; the question's is not
        if threading.current_thread().name == "qa-warm":
            time.sleep(1.0)
            calls_when_warm.append(len(fake.history))
        return real(*args)

    monkeypatch.setattr(embed, "get_model", slow_warm_up)
    fake.enqueue("yes", answer_reply(service.store))
    service.warm()
    ans = service.ask(AskRequest(question=Q))
    assert calls_when_warm == [0] and not ans.refused and fake.history
