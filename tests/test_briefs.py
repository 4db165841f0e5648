"""Saved questions re-answered as news arrives, their changes (webhook, Atom) and exports
(Markdown, HTML, DOCX), on a real store and real embeddings. The model is a fake that reads
its prompt (tests named test_fake_llm_*): the gate says yes, the answer copies the sentence of
the passages giving the newest arrest figure, cited by its passage number."""

import http.server
import re
import threading
import zipfile
from html.parser import HTMLParser

import feedparser
import httpx
import pytest

from qa.api.server import create_app
from qa.errors import BadInput, NotFound
from qa.index.store import Store
from qa.ingest.add import ingest
from qa.ingest.fetch import FetchError
from qa.service.briefs import WatchRequest
from qa.service.service import Service

from .conftest import SEEDS, FakeLLM, make_settings, serving

Q = "How many arrests has live facial recognition led to?"
NEW = {"title": "Facial recognition arrests pass 1,300", "source": "Evening Wire",
       "url": "https://example.org/news/lfr-1300", "published_at": "2026-12-01",
       "text": "Live facial recognition has led to 1,300 arrests, the Metropolitan Police said on "
               "Friday. The force said the cameras would keep being used in London. Officers said "
               "the technology had also found people wanted for serious offences."}
UNRELATED = {"title": "Keswick opens a new swimming pool", "source": "Lakes Daily",
             "url": "https://example.org/news/pool", "published_at": "2026-12-02",
             "text": "A new swimming pool opened in Keswick on Saturday. The pool has six lanes and "
                     "a learner pool. Swimmers queued from early morning to try it."}
_PASSAGE = re.compile(r'<passage n="(\d+)"[^>]*>\n(.*?)\n</passage>', re.S)


class ReadingLLM(FakeLLM):
    """The gate says yes; the answer copies the passage sentence with the largest arrest figure."""

    def __call__(self, settings, messages, *, max_tokens=256, stream=False, usage=None):
        self.history.append(messages)
        prompt = messages[-1]["content"]
        if max_tokens <= 3:
            yield "yes"
            return
        best = None
        for n, text in _PASSAGE.findall(prompt):
            for sentence in re.split(r"(?<=\.)\s+", text):
                m = re.search(r"([\d,]+) arrests", sentence)
                if m and (best is None or int(m.group(1).replace(",", "")) > best[0]):
                    best = (int(m.group(1).replace(",", "")), sentence.strip(), n)
        yield f"Answer: {best[0]:,}.\n{best[1].rstrip('.')} [{best[2]}]." if best else "Answer: unknown."


@pytest.fixture
def service(tmp_path):
    settings = make_settings(tmp_path / "data", feeds_allow_private=True)
    store = Store(settings)
    ingest([SEEDS], store)
    return Service(settings, store, complete=ReadingLLM())


def test_fake_llm_a_watch_is_re_answered_when_a_matching_article_arrives_with_what_changed(service):
    briefs = service.briefs
    watch = briefs.add_watch(WatchRequest(question=Q))
    assert watch.runs == 1 and briefs.add_watch(WatchRequest(question=f"  {Q} ")).id == watch.id
    (first,) = briefs.runs(watch.id)
    assert first.changes.first and "1,000" in first.answer.text and first.answer.citations

    service.add_articles([UNRELATED])  # not in the watch's evidence: not re-answered
    briefs.wait()
    assert briefs.book().get(watch.id).runs == 1

    service.add_articles([NEW])
    briefs.wait()
    second, _ = briefs.runs(watch.id)
    assert second.n == 2 and second.why == f"new article: {NEW['title']}"
    ch = second.changes
    assert "1,300" in second.answer.text and ch.new_outlets == ["Evening Wire"]
    assert ch.new_figures == ["1,300"] and "1,000" in " ".join(ch.gone_figures)
    assert any("1,300 arrests" in s for s in ch.new_sentences)
    assert briefs.book().get(watch.id).last_change == ch.summary()

    third = briefs.run_watch(watch.id)  # on demand, nothing new: kept, and says so
    assert third.n == 3 and not third.changes.changed and third.changes.summary() == "no change"


def test_fake_llm_bad_watch_input_gets_clear_errors(service):
    with pytest.raises(BadInput, match="needs a question"):
        service.briefs.book().add("   ")
    with pytest.raises(NotFound, match="no watch 'nope'"):
        service.briefs.runs("nope")
    strict = Service(make_settings(service.settings.data_dir), service.store, complete=service.complete)
    with pytest.raises(FetchError, match="loopback, private or link-local"):
        strict.briefs.add_watch(WatchRequest(question=Q, webhook="http://127.0.0.1:9/hook"))
    with pytest.raises(FetchError, match="only http"):
        strict.briefs.add_watch(WatchRequest(question=Q, webhook="file:///etc/passwd"))


class _Hook(http.server.BaseHTTPRequestHandler):
    fail = 1  # answer 500 this many times, then 204
    got: list[bytes] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if _Hook.fail > 0:
            _Hook.fail -= 1
            self.send_response(500)
        else:
            _Hook.got.append(body)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_fake_llm_a_failing_webhook_is_kept_retried_with_backoff_and_delivered(service):
    import json
    import time

    server = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    try:
        watch = service.briefs.add_watch(WatchRequest(question=Q, webhook=url))  # first run: 500
        shown = service.briefs.book().get(watch.id)
        assert shown.undelivered == 1 and "HTTP 500" in shown.delivery_error and not _Hook.got
        assert service.briefs.deliver() == []  # not due yet: it waits retry_seconds
        (done,) = __import__("qa.briefs.notify", fromlist=["x"]).deliver_due(
            service.briefs.book(), now=time.time() + service.settings.watches.retry_seconds + 1)
        assert done.ok and done.attempts == 2 and service.briefs.book().get(watch.id).undelivered == 0
        sent = json.loads(_Hook.got[0])
        assert sent["watch"]["question"] == Q and sent["changes"]["summary"] == "first answer"
        assert sent["answer"]["citations"][0]["quote"] in service.store.text(
            sent["answer"]["citations"][0]["article_id"])
    finally:
        server.shutdown()


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hrefs: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        self.hrefs += [v for k, v in attrs if k == "href"]


def _texts(fmt: str, data: bytes, tmp_path) -> str:
    """The file's text as its own reader sees it."""
    if fmt == "md":
        return data.decode()
    if fmt == "html":
        p = _Text()
        p.feed(data.decode())
        return " ".join(p.parts + p.hrefs)
    import docx

    path = tmp_path / "x.docx"
    path.write_bytes(data)
    assert zipfile.is_zipfile(path)
    return "\n".join(par.text for par in docx.Document(str(path)).paragraphs)


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_fake_llm_every_export_format_carries_every_citation(service, tmp_path, fmt):
    service.add_articles([NEW])
    answer = service.briefs.run_watch(service.briefs.add_watch(WatchRequest(question=Q, run=False)).id).answer
    assert answer.citations
    for item in (answer, service.briefs.watches()[0].id):
        text = " ".join(_texts(fmt, service.briefs.export(item, fmt), tmp_path).split())
        for c in answer.citations:
            article = service.store.article(c.article_id)
            for field in (c.title, c.quote, c.source, c.published_at[:10], article.url):
                assert " ".join(field.split()) in text, (fmt, field)
    with pytest.raises(BadInput, match="unknown export format 'pdf'"):
        service.briefs.export(answer, "pdf")


def test_fake_llm_api_watches_feed_and_export(service):
    with serving(create_app(service)) as url, httpx.Client(base_url=url, timeout=120) as client:
        watch = client.post("/v1/watches", json={"question": Q}).json()
        assert watch["runs"] == 1
        blank = client.post("/v1/watches", json={"question": " "})
        assert blank.status_code == 400 and "needs a question" in blank.json()["error"]["message"]
        assert client.post("/v1/articles", json={"articles": [NEW]}).status_code == 200
        service.briefs.wait()
        runs = client.get(f"/v1/watches/{watch['id']}/runs").json()["runs"]
        assert [r["n"] for r in runs] == [2, 1]
        feed = feedparser.parse(client.get("/v1/watches/feed.atom").content)
        assert not feed.bozo and len(feed.entries) == 2
        assert "1,300" in feed.entries[0].content[0].value and Q in feed.entries[0].title
        got = client.post("/v1/export", json={"format": "docx", "watch": watch["id"]})
        assert got.status_code == 200 and got.headers["content-type"].startswith(
            "application/vnd.openxmlformats") and got.content[:2] == b"PK"
        answer = client.post("/v1/ask", json={"question": Q}).json()
        md = client.post("/v1/export", json={"format": "md", "answer": answer})
        assert md.status_code == 200 and answer["citations"][0]["quote"] in md.text
        bad = client.post("/v1/export", json={"format": "md", "watch": "nope"})
        assert bad.status_code == 404 and "no watch 'nope'" in bad.json()["error"]["message"]
        none = client.post("/v1/export", json={"format": "md"})
        assert none.status_code == 422 and "exactly one of" in none.json()["error"]["message"]
        assert client.delete(f"/v1/watches/{watch['id']}").status_code == 200
        assert client.get("/v1/watches").json() == {"watches": []}


def test_fake_llm_two_services_over_one_postgres_store_share_watches_and_runs(store_url, chroma_url,
                                                                              tmp_path):
    """Two qa processes' view of one PostgreSQL store and one Chroma server: a watch saved by
    one is re-answered by the other when it adds a matching article; neither duplicates it."""
    a, b = (Service(make_settings(tmp_path / name, store_url=store_url, chroma_url=chroma_url,
                                  feeds_allow_private=True), None, complete=ReadingLLM())
            for name in ("a", "b"))
    a.store = Store(a.settings)
    ingest([SEEDS], a.store)
    b.store = Store(b.settings)
    watch = a.briefs.add_watch(WatchRequest(question=Q))
    assert [w.id for w in b.briefs.watches()] == [watch.id]
    assert not (tmp_path / "a" / "watches.sqlite3").exists()
    b.add_articles([NEW])
    b.briefs.wait()
    assert [r.n for r in a.briefs.runs(watch.id)] == [2, 1]
    assert b.briefs.add_watch(WatchRequest(question=Q)).id == watch.id and len(a.briefs.watches()) == 1


def test_fake_llm_a_due_delivery_is_sent_once_by_two_processes_over_one_store(service, monkeypatch):
    """Two books over one store (two qa processes): each reads the due delivery; only the one
    that claims it first POSTs (to a real receiver)."""
    import time

    from qa.briefs import notify
    from qa.briefs.watches import WatchBook

    server = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Hook.fail, _Hook.got = 1, []
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        watch = service.briefs.add_watch(WatchRequest(question=Q, webhook=url))  # its POST: a 500, kept
        other, later, real = WatchBook(service.settings), time.time() + 3600, notify._claim

        def racing(book, *args):  # the other process claims and sends it between our read and claim
            if book is not other:
                assert notify.deliver_due(other, now=later)[0].ok
            return real(book, *args)
        monkeypatch.setattr(notify, "_claim", racing)
        assert notify.deliver_due(service.briefs.book(), now=later) == []
        assert len(_Hook.got) == 1 and other.get(watch.id).undelivered == 0
    finally:
        server.shutdown()


def test_what_changed_reads_a_run_without_a_direct_line_as_no_move_of_the_answer():
    from qa.briefs.changes import changes
    from qa.models import Answer, Sentence

    def said(answer: str, text: str, refused: bool = False) -> Answer:
        return Answer(question=Q, answer=answer, text=text, refused=refused,
                      sentences=[Sentence(text=text, citations=[1])])
    old = said("1,000", "It has led to 1,000 arrests.")
    ch = changes(old, said("", "It has led to 1,400 arrests."))
    assert ch.answer_before == ch.answer_after == "" and ch.new_figures == ["1,400"]
    assert changes(old, said("1,400", "It has led to 1,400 arrests.")).answer_after == "1,400"
    gone = changes(old, said("", "The articles don't say.", refused=True))
    assert (gone.answer_before, gone.answer_after) == ("1,000", "refused") and gone.gone_figures == ["1,000"]
