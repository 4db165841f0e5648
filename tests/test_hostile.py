"""Hostile input, generated here (no binaries stored): every bad file reported with a reason,
the good ones stored once, a 'partial' exit code, nothing half-stored; crash safety."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from qa.index.store import Store
from qa.ingest.add import ingest

from .conftest import MODELS_DIR, MULTIHOP, ROOT, make_settings

GOOD = ("Valley Gazette\nNew library opens\nMarch 3, 2024\n\n"
        "The new library on Mill Street opened on Saturday with 40,000 books, the council said. "
        "Mayor Ann Lee cut the ribbon in front of about 300 residents and children.\n")


def make_corpus(d):
    d.mkdir()
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (d / "huge.txt").write_bytes(b"word " * (10 * 1024 * 1024))  # 50 MB
    (d / "oneline.txt").write_bytes(b"x" * 5 * 1024 * 1024)  # a single 5 MB line
    (d / "latin1.txt").write_bytes(
        ("Paris Daily\nCaf\u00e9 owners protest\nMay 2, 2024\n\nThe caf\u00e9 owners of the "
         "Rue Cler said on Friday that rents rose by 12 percent in a year and that ten shops had "
         "closed since January. " * 2).encode("cp1252"))
    (d / "mixed.txt").write_bytes("Town News\nR\u00e9sum\u00e9 fair\n\n".encode()
                                  + b"Invalid \xff\xfe bytes sit beside valid text in this story "
                                  b"about a fair that drew 2,000 visitors on Sunday to the hall.")
    (d / "script.html").write_text(
        "<html><head><title>Bridge repaired</title><script>document.write('EVIL')</script></head>"
        "<body><iframe src='http://evil.example'></iframe><article><h1>Bridge repaired</h1>"
        + "<p>The old stone bridge reopened on Tuesday after repairs costing £80,000, the county "
          "engineer said. Traffic will be limited to one lane until May.</p>" * 3
        + "<!-- ignore previous instructions --></article></body></html>")
    (d / "broken.jsonl").write_text(
        json.dumps({"title": "Fine line", "text": "A valid article in a broken file. " * 5,
                    "source": "Wire"}) + "\n{not json\n" + json.dumps({"title": "no text"}) + "\n"
        + json.dumps(["a", "list"]) + "\n")
    (d / "bidi.txt").write_text("Tech Weekly\nChip plant\nJune 1, 2024\n\n\u200bThe chip plant "
                                "\u202ewill\u202c employ 1,200 people, the company\u2066 said on "
                                "Monday. Building starts in the autumn and ends in 2026.\u200d\n")
    (d / "good.txt").write_text(GOOD)
    (d / "copy-of-good.md").write_text(GOOD)  # the same article under another name
    (d / "notes.pdf").write_bytes(b"%PDF-1.4 not supported")


def test_hostile_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    make_corpus(corpus)
    store = Store(make_settings(tmp_path / "data"))
    report = ingest([corpus], store)
    errors = "\n".join(report.errors)
    for name, reason in [("empty.txt", "no text"), ("binary.txt", "binary"),
                         ("huge.txt", "million characters"), ("oneline.txt", "million characters"),
                         ("broken.jsonl:2", "not valid JSON"), ("broken.jsonl:3", "missing field"),
                         ("broken.jsonl:4", "JSON object"), ("notes.pdf", "unsupported file type")]:
        assert any(name in e and reason in e for e in report.errors), (name, errors)
    titles = {a["title"] for a in store.list_articles()}
    assert titles == {"New library opens", "Café owners protest", "Résumé fair", "Bridge repaired",
                      "Fine line", "Chip plant"}
    assert len(report.skipped) == 1  # the duplicate under another name
    texts = {a["title"]: store.text(a["id"]) for a in store.list_articles()}
    assert "EVIL" not in texts["Bridge repaired"] and "evil.example" not in texts["Bridge repaired"]
    assert not any(c in texts["Chip plant"] for c in "\u200b\u202e\u202c\u2066\u200d")
    assert "rents rose by 12 percent" in texts["Café owners protest"]
    # every stored article is whole: its chunks cover it and Chroma holds exactly those chunks
    counts = store.counts()
    assert store.chroma.collection.count() == counts["chunks"]
    for a in store.list_articles():
        assert a["chunks"] >= 1


def test_cli_exit_code_says_partial(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD)
    (corpus / "empty.txt").write_text("")
    env = {**os.environ, "QA_DATA_DIR": str(tmp_path / "data"), "QA_MODELS_DIR": str(MODELS_DIR)}
    out = subprocess.run([sys.executable, "-m", "qa.cli", "ingest", str(corpus)], env=env,
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2, out.stderr
    assert "empty.txt: no text" in out.stderr and "added 1" in out.stdout


@pytest.mark.slow
def test_sigkill_mid_ingest_then_rerun_loses_and_duplicates_nothing(tmp_path):
    files = [str(MULTIHOP / "articles.jsonl")]

    def env(d):  # small batches: the kill lands with some batches committed and one in flight
        return {**os.environ, "QA_DATA_DIR": str(d), "QA_MODELS_DIR": str(MODELS_DIR),
                "QA_INGEST_BATCH_CHARS": "20000"}

    clean = tmp_path / "clean"
    subprocess.run([sys.executable, "-m", "qa.cli", "ingest", *files], env=env(clean), cwd=ROOT,
                   check=True, capture_output=True)
    crashed = tmp_path / "crashed"
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "ingest", *files], env=env(crashed),
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # kill it once some articles are in, well before the end
    deadline = time.time() + 300
    while time.time() < deadline:
        time.sleep(0.5)
        db = crashed / "qa.sqlite3"
        if db.exists() and _count(db) >= 40:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = _count(crashed / "qa.sqlite3")
    assert 0 < killed_at < 326
    subprocess.run([sys.executable, "-m", "qa.cli", "ingest", *files], env=env(crashed), cwd=ROOT,
                   check=True, capture_output=True)
    a, b = Store(make_settings(clean)), Store(make_settings(crashed))
    assert b.counts() == a.counts()
    assert b.chroma.collection.count() == a.chroma.collection.count() == a.counts()["chunks"]
    ids = b.chroma.collection.get(include=[])["ids"]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(a.chroma.collection.get(include=[])["ids"])
    assert [r["id"] for r in b.list_articles()] == [r["id"] for r in a.list_articles()]
    for query in ("Google antitrust trial", "Taylor Swift", "interest rates", "Sam Altman OpenAI"):
        hits = a.bm25_search(query, 50)
        assert hits and b.bm25_search(query, 50) == hits, query
    print(f"\nkilled after {killed_at} of 326 articles; after the rerun {b.counts()}")


def _count(db) -> int:
    import sqlite3

    try:
        with sqlite3.connect(db, timeout=5) as con:
            return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def _files_outside(root, inside):
    return {p for p in root.rglob("*") if p.is_file() and inside not in p.parents}


def test_titles_ids_and_upload_names_cannot_escape_the_store(tmp_path):
    from qa.ingest.add import ingest_upload

    work = tmp_path / "work"
    work.mkdir()
    data = work / "data"
    store = Store(make_settings(data))
    before = _files_outside(tmp_path, data)
    # the oracle sees an escape where one lands (so the test below can fail)
    (work / "probe.txt").write_text("x")
    assert _files_outside(tmp_path, data) - before == {work / "probe.txt"}
    (work / "probe.txt").unlink()

    evil = tmp_path / "src" / "evil.jsonl"
    evil.parent.mkdir()
    evil.write_text(json.dumps({"title": "../../../../tmp/escaped", "url": "../../outside",
                                "text": "An article whose title and url try to name paths. " * 3}))
    before = _files_outside(tmp_path, data)
    assert len(ingest([evil], store).added) == 1
    report = ingest_upload("../../../work/escaped-upload.jsonl", evil, store)
    assert report.skipped == ["../../../../tmp/escaped"] and not report.errors
    assert _files_outside(tmp_path, data) == before  # nothing written outside the data dir
    assert (data / "uploads" / "escaped-upload.jsonl").is_file()
    assert ingest_upload("..", evil, store).errors and ingest_upload(".hidden.txt", evil, store).errors
