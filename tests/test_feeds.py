"""Feeds polled from a real HTTP server on 127.0.0.1 (tests/feedserver.py) into a real store:
every kind of feed, broken ones, conditional GET, changed entries, address guards, and a
SIGKILL mid-poll."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from qa.errors import QAError
from qa.index.store import Store
from qa.ingest.feeds import FeedBook, parse_every, poll
from qa.ingest.fetch import FetchError, check_url

from .conftest import ROOT, make_settings
from .feedserver import PAGE_LINE, feed_server, rss2

GOOD = ["/rss2.xml", "/rss1.rdf", "/rss091.xml", "/atom.xml", "/nodate.xml"]


@pytest.fixture
def served(tmp_path):
    settings = make_settings(tmp_path / "data", feeds_allow_private=True)
    with feed_server() as (base, fs):
        yield base, fs, settings, Store(settings), FeedBook(settings)


def articles(store) -> dict[str, dict]:
    return {a["title"]: a for a in store.list_articles()}


def test_feeds_of_each_kind_become_articles_with_their_metadata(served):
    base, fs, settings, store, book = served
    for path in GOOD:
        book.add(base + path)
        report = poll(book, base + path, store)
        assert report.added and not report.errors, (path, report)
    got = articles(store)
    assert set(got) == {"Harbour repairs begin", "Committee sets a budget", "Bridge reopens",
                        "Storm warning issued", "Fishing quota cut", "Library hours extended"}
    repairs = got["Harbour repairs begin"]
    assert repairs["source"] == "Harbour Gazette" and repairs["category"] == "Local"
    assert repairs["published_at"].startswith("2023-10-18") and repairs["url"] == f"{base}/a/1.html"
    assert PAGE_LINE in store.text(repairs["id"])  # the full text came from the linked page
    assert got["Bridge reopens"]["published_at"].startswith("2023-10-19")
    bridge = got["Bridge reopens"]
    assert bridge["author"] == "Bo Writer" and bridge["source"] == "Valley Times"
    assert got["Fishing quota cut"]["author"] == "Cy Author"
    storm = got["Storm warning issued"]  # its page is a 404: the entry's own text is used
    assert store.text(storm["id"]).startswith("The weather office issued a storm warning")
    plain = got["Library hours extended"]  # no date, no link
    assert plain["published_at"] == "" and plain["url"] == "" and plain["source"] == "Plain Feed"
    feeds = {f.url: f for f in book.all()}
    assert feeds[base + "/rss2.xml"].title == "Harbour Gazette" and feeds[base + "/rss2.xml"].last_new == 2


def test_a_second_poll_adds_nothing_and_fetches_no_page(served):
    base, fs, settings, store, book = served
    for path in ("/rss2.xml", "/atom.xml"):
        book.add(base + path)
        poll(book, base + path, store)
    before, hits = store.counts(), dict(fs.hits)
    again = poll(book, base + "/rss2.xml", store)
    assert again.not_modified  # ETag sent back, 304
    atom = poll(book, base + "/atom.xml", store)  # no ETag: the entry digests decide
    assert not atom.added and not atom.replaced and atom.unchanged == 1
    assert store.counts() == before
    assert fs.hits["/a/1.html"] == hits["/a/1.html"] and fs.hits["/a/4.html"] == hits["/a/4.html"]


def test_a_changed_entry_replaces_its_article(served):
    base, fs, settings, store, book = served
    book.add(base + "/rss2.xml")
    poll(book, base + "/rss2.xml", store)
    old = articles(store)["Harbour repairs begin"]
    status, headers, _ = fs.routes["/rss2.xml"]
    fs.routes["/rss2.xml"] = (status, {**headers, "ETag": '"v2"'}, rss2(base, [
        ("Harbour repairs begin", "/a/1.html", "The repairs begin, a week late."),
        ("Committee sets a budget", "/a/2.html", "A budget is set.")]).encode())
    page_status, page_headers, body = fs.routes["/a/1.html"]
    fs.routes["/a/1.html"] = (page_status, page_headers, body.replace(b"Tuesday", b"Wednesday"))
    report = poll(book, base + "/rss2.xml", store)
    assert report.replaced == ["Harbour repairs begin"] and report.unchanged == 1, report
    new = articles(store)["Harbour repairs begin"]
    assert new["id"] != old["id"] and "Wednesday" in store.text(new["id"])
    assert len(store.list_articles()) == 2 and store.article(old["id"]) is None


def test_broken_feeds_are_reported_with_feed_and_entry_and_good_entries_stored(served):
    base, fs, settings, store, book = served
    problems = {}
    for path in ("/broken.xml", "/page.html", "/gone.xml", "/big.xml", "/loop.xml"):
        book.add(base + path)
        problems[path] = poll(book, base + path, store).errors
    malformed, unclosed = problems["/broken.xml"]  # the cut-off item is read, and has no text
    assert "malformed feed" in malformed and "no element found" in malformed
    assert f"{base}/broken.xml entry" in unclosed and "no text" in unclosed
    assert "HTML page" in problems["/page.html"][0]
    assert "HTTP 404" in problems["/gone.xml"][0]
    (huge,) = problems["/big.xml"]
    assert huge.startswith(f"{base}/big.xml entry 'huge-1': article text is 5.5 million characters")
    assert "redirect loop" in problems["/loop.xml"][0]
    assert set(articles(store)) == {"Market day moves", "School roof fixed"}
    assert "HTTP 404" in {f.url: f for f in book.all()}[base + "/gone.xml"].last_error
    moved = base + "/moved.xml"  # a redirect is followed
    book.add(moved)
    assert poll(book, moved, store).added == ["Fishing quota cut"]


def test_private_addresses_are_refused_unless_allowed(tmp_path):
    for url in ("http://127.0.0.1:8080/feed", "http://localhost/feed", "http://10.1.2.3/rss",
                "http://169.254.169.254/latest/meta-data", "http://[::1]/feed", "http://192.168.0.1/"):
        with pytest.raises(FetchError, match="loopback, private or link-local"):
            check_url(url)
        check_url(url, allow_private=True)
    with pytest.raises(FetchError, match="only http:// and https://"):
        check_url("file:///etc/passwd", allow_private=True)
    check_url("http://93.184.216.34/feed")  # a public address
    book = FeedBook(make_settings(tmp_path / "data"))
    with pytest.raises(FetchError, match="QA_FEEDS_ALLOW_PRIVATE"):
        book.add("http://127.0.0.1:9/feed")
    assert book.all() == []


def test_every_parses_durations():
    assert [parse_every(x, 900) for x in ("15m", "1h", "90s", "2d", "600", None)] == [
        900, 3600, 90, 172800, 600, 900]
    with pytest.raises(QAError, match="once a minute"):
        parse_every("10s", 900)
    with pytest.raises(QAError, match="e.g. 15m"):
        parse_every("soon", 900)


POLL = ("import sys; from qa.config import Settings; from qa.ingest.feeds import FeedBook, poll; "
        "from qa.index.store import Store; s = Settings(); print(poll(FeedBook(s), sys.argv[1], Store(s)))")


def test_poll_state_survives_a_restart_and_a_sigkill_mid_poll(tmp_path):
    env = {**os.environ, "QA_DATA_DIR": str(tmp_path / "data"), "QA_FEEDS_ALLOW_PRIVATE": "true"}
    settings = make_settings(tmp_path / "data", feeds_allow_private=True)
    with feed_server() as (base, fs):
        status, headers, _ = fs.routes["/rss2.xml"]
        for i in range(8):  # one page per story (the five fixture pages, retitled)
            fs.routes[f"/s/{i}.html"] = fs.routes[f"/a/{1 + i % 5}.html"]
        fs.routes["/rss2.xml"] = (status, headers, rss2(base, [
            (f"Story number {i}", f"/s/{i}.html", f"Story {i} text.") for i in range(8)]).encode())
        fs.delay["/s/"] = 0.4
        FeedBook(settings).add(base + "/rss2.xml")
        proc = subprocess.Popen([sys.executable, "-c", POLL, base + "/rss2.xml"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        t = time.perf_counter()
        while sum(fs.hits[f"/s/{i}.html"] for i in range(8)) < 4:
            assert proc.poll() is None and time.perf_counter() - t < 120, proc.stdout.read()[-2000:]
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert FeedBook(settings).get(base + "/rss2.xml").etag == ""  # not saved: the poll did not end
        fs.delay.clear()
        rerun = subprocess.run([sys.executable, "-c", POLL, base + "/rss2.xml"], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        again = subprocess.run([sys.executable, "-c", POLL, base + "/rss2.xml"], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=300)
        assert "not_modified=True" in again.stdout, again.stdout
    with sqlite3.connect(tmp_path / "data" / "qa.sqlite3") as db:
        titles = [r[0] for r in db.execute("SELECT title FROM articles")]
        (chunks,) = db.execute("SELECT count(DISTINCT id) = count(*) FROM chunks").fetchone()
    assert sorted(titles) == sorted(f"Story number {i}" for i in range(8)) and chunks == 1
    book = FeedBook(settings)  # a fresh process's view of the state
    feed = book.get(base + "/rss2.xml")
    assert feed.etag == '"v1"' and feed.last_ok and book.seen(base + "/rss2.xml", f"{base}/s/0.html")


def test_feeds_through_the_api_and_the_apps_panel(tmp_path):
    import httpx

    from qa.api.server import build_server
    from qa.service.service import Service
    from qa.ui.feeds import add_feed, feed_rows

    from .conftest import serving

    settings = make_settings(tmp_path / "data", feeds_allow_private=True)
    service = Service(settings, Store(settings))
    with feed_server() as (base, fs), serving(build_server(service)) as url:
        r = httpx.post(f"{url}/v1/feeds", json={"url": base + "/rss2.xml", "every": "1h"})
        assert r.status_code == 200 and r.json()["every"] == 3600, r.text
        bad = httpx.post(f"{url}/v1/feeds", json={"url": base + "/x.xml", "every": "often"})
        assert bad.status_code == 400 and "e.g. 15m" in bad.json()["error"]["message"]
        (report,) = httpx.post(f"{url}/v1/feeds/poll", json={}, timeout=120).json()["polls"]
        assert len(report["added"]) == 2 and not report["errors"]
        (feed,) = httpx.get(f"{url}/v1/feeds").json()["feeds"]
        assert feed["title"] == "Harbour Gazette" and feed["last_new"] == 2
        (lines, *_), rows = add_feed(service, base + "/gone.xml", "")  # the app's Add button
        assert "✗ " in lines and "HTTP 404" in lines
        assert [r[0] for r in rows] == [base + "/rss2.xml", base + "/gone.xml"] and "HTTP 404" in rows[1][6]
        assert feed_rows(service)[0][4] == 2
        gone = httpx.delete(f"{url}/v1/feeds", params={"url": base + "/gone.xml"})
        assert gone.json() == {"deleted": base + "/gone.xml"}
        assert httpx.delete(f"{url}/v1/feeds", params={"url": base + "/gone.xml"}).status_code == 404
    assert len(Store(settings).list_articles()) == 2


def test_due_feeds_are_polled_in_the_background(tmp_path):
    from qa.service.service import Service

    settings = make_settings(tmp_path / "data", feeds_allow_private=True)
    service = Service(settings, Store(settings))
    with feed_server() as (base, fs):
        service.add_feed(base + "/rss2.xml", "1h")  # never polled: due at once
        stop = service.start_polling(every=0.2)
        try:
            t = time.perf_counter()
            while len(service.articles()) < 2:
                assert time.perf_counter() - t < 120, service.feeds()
                time.sleep(0.2)
            polled = fs.hits["/rss2.xml"]
            time.sleep(1.0)  # not due again for an hour: not fetched again
            assert fs.hits["/rss2.xml"] == polled == 1
        finally:
            stop.set()
    assert {a.title for a in service.articles()} == {"Harbour repairs begin", "Committee sets a budget"}


def test_two_entries_of_one_url_are_stored_in_turn_not_refused(served):
    base, fs, settings, store, book = served
    status, headers, _ = fs.routes["/rss2.xml"]
    body = rss2(base, [("Harbour repairs begin", "/a/1.html", "First."),
                       ("Harbour repairs begin (updated)", "/a/1.html", "Second.")])
    body = body.replace(f"<guid>{base}/a/1.html</guid>", "<guid>x</guid>", 1)  # two guids, one url
    fs.routes["/rss2.xml"] = (status, headers, body.encode())
    book.add(base + "/rss2.xml")
    report = poll(book, base + "/rss2.xml", store)  # one batch holding one url twice
    assert not report.errors and report.added == ["Harbour repairs begin"]
    assert report.replaced == ["Harbour repairs begin (updated)"]
    assert [a["title"] for a in store.list_articles()] == ["Harbour repairs begin (updated)"]
