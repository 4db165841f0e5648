import json

import pytest

from qa.errors import BadInput
from qa.index.store import Store
from qa.ingest.add import ingest
from qa.ingest.files import load_file, parse_header

from .conftest import SEEDS, make_settings


def test_seed_header_is_metadata_and_rest_is_body():
    (a,) = load_file(SEEDS / "met-police-facial-recognition.txt")
    assert a.source == "OpenVoiceNews U.K."
    assert a.title == "Met Police to Expand Facial Recognition Use as Part of Wider Crime Strategy"
    assert a.published_at == "2025-07-31"
    assert a.category == "Crime"
    assert a.text.startswith("The Metropolitan Police Service (Met) will double")
    assert "Categories" not in a.text


def test_header_without_date_takes_longest_line_as_title():
    meta = parse_header(["Daily Planet", "Man Flies Over City, Witnesses Say"])
    assert meta == {"source": "Daily Planet", "title": "Man Flies Over City, Witnesses Say"}


@pytest.mark.parametrize("head, source, title", [
    ("Harbour Gazette\nCouncil Approves New Harbour Wall\n\n", "Harbour Gazette",
     "Council Approves New Harbour Wall"),
    ("Council Approves New Harbour Wall\n\n", "", "Council Approves New Harbour Wall"),
    ("Harbour Gazette\nLocal news. Every day.\nCouncil Approves New Harbour Wall\nMay 2, 2024\n\n",
     "Harbour Gazette", "Council Approves New Harbour Wall"),
])
def test_header_lines_above_short_paragraphs_are_kept(tmp_path, head, source, title):
    """Short body paragraphs (under 20 words each) must not turn the outlet and title lines
    into body text, nor the file name into the title."""
    f = tmp_path / "good.txt"
    f.write_text(head + "The council approved a new harbour wall on Monday.\n\n"
                 "Work starts in June and will cost £4 million, officials said.\n")
    (a,) = load_file(f)
    assert (a.source, a.title) == (source, title)
    assert a.text.startswith("The council approved") and "Gazette" not in a.text


def test_plain_text_without_header_is_all_body(tmp_path):
    f = tmp_path / "notes-on-harbour.txt"
    f.write_text("The council approved a new harbour wall on Monday.\nWork starts in June.\n")
    (a,) = load_file(f)
    assert a.title == "notes on harbour" and a.text.startswith("The council approved")


def test_reuploading_an_edited_file_replaces_it(settings, tmp_path):
    from qa.ingest.add import ingest_upload

    store = Store(settings)
    body = "The council approved the new bridge on Monday after a long debate. " * 5
    for i, day in enumerate(["Monday", "Tuesday"]):  # each upload lands in its own temp folder
        f = tmp_path / f"tmp{i}" / "story.txt"
        f.parent.mkdir()
        f.write_text("Local Times\nBridge Approved\n\n" + body.replace("Monday", day))
        report = ingest_upload(f.name, f, store)
        assert (report.added if i == 0 else report.replaced) == ["Bridge Approved"], report
    assert store.counts()["articles"] == 1
    assert "Tuesday" in store.text(store.list_articles()[0]["id"])


def test_ingest_is_idempotent_and_replaces_changed_articles(settings, tmp_path):
    store = Store(settings)
    f = tmp_path / "story.txt"
    body = "The council approved the new bridge on Monday after a long debate. " * 5
    f.write_text("Local Times\nBridge Approved\nMarch 3, 2024\n\n" + body)
    first = ingest([f], store)
    assert first.added == ["Bridge Approved"] and first.chunks >= 1
    again = ingest([f], store)
    assert again.skipped == ["Bridge Approved"] and again.chunks == 0
    assert store.counts()["articles"] == 1
    f.write_text("Local Times\nBridge Approved\nMarch 3, 2024\n\n" + body.replace("Monday", "Tuesday"))
    third = ingest([f], store)
    assert third.replaced == ["Bridge Approved"]
    assert store.counts() == {"articles": 1, "chunks": first.chunks}
    assert store.chroma.collection.count() == first.chunks  # old vectors are gone
    (row,) = store.list_articles()
    assert "Tuesday" in store.text(row["id"])


def test_html_main_text_is_extracted(settings, tmp_path):
    page = tmp_path / "page.html"
    para = "<p>The river flooded the lower town on Sunday, and 120 homes were evacuated by boat.</p>"
    page.write_text("<html><head><title>Flood hits town</title><script>alert('x')</script></head>"
                    "<body><nav>Home | News | Sport</nav><article><h1>Flood hits town</h1>"
                    + para * 3 + "</article><footer>Copyright</footer></body></html>")
    (a,) = load_file(page)
    assert "120 homes were evacuated" in a.text
    assert "alert" not in a.text and "Copyright" not in a.text


def test_jsonl_bad_lines_are_reported_with_file_and_line(settings, tmp_path):
    good = {"title": "T", "text": "Some text here about things.", "source": "S",
            "published_at": "2023-10-01T10:00:00+00:00"}
    f = tmp_path / "a.jsonl"
    f.write_text(json.dumps(good) + "\n{broken\n" + json.dumps({"title": "no text"}) + "\n")
    items = list(load_file(f))
    assert isinstance(items[0], BadInput) is False and items[0].published_at.startswith("2023-10-01")
    assert str(items[1]).startswith(f"{f}:2: not valid JSON")
    assert str(items[2]) == f"{f}:3: missing field(s) text"
    report = ingest([f], Store(settings))
    assert len(report.added) == 1 and len(report.errors) == 2


@pytest.mark.parametrize("name, content, problem", [
    ("empty.txt", b"", "no text"),
    ("blob.txt", b"\x00\x01\x02binary", "looks binary"),
    ("notes.pdf", b"%PDF-1.4", "unsupported file type"),
])
def test_bad_files_get_a_reason(tmp_path, name, content, problem):
    f = tmp_path / name
    f.write_bytes(content)
    (err,) = load_file(f)
    assert isinstance(err, BadInput) and problem in str(err) and name in str(err)


def test_changed_chunking_reindexes_into_a_new_collection(tmp_path):
    s1 = make_settings(tmp_path / "d")
    store = Store(s1)
    ingest([SEEDS], store)
    n1 = store.counts()["chunks"]
    s2 = make_settings(tmp_path / "d", chunking={"target_words": 40})
    assert s2.index_key() != s1.index_key()
    store2 = Store(s2)
    assert store2.counts()["chunks"] == 0
    store2.sync()
    n2 = store2.counts()["chunks"]
    assert n2 > n1 and store2.chroma.collection.count() == n2
    assert store2.chroma.collection.name != store.chroma.collection.name


def test_batched_ingest_equals_one_by_one(tmp_path):
    rows = [{"title": f"Story {i}", "source": f"Outlet {i % 3}", "url": f"https://x.test/{i}",
             "text": f"Story number {i} tells of event {i}. " * (5 + i % 40)} for i in range(60)]
    rows.append(dict(rows[10]))  # the same article again in the same file
    rows.append({**rows[11], "text": "A corrected text of story eleven. " * 6})  # same url: replaces
    f = tmp_path / "many.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in rows))
    one = make_settings(tmp_path / "one").model_copy(update={"ingest_batch_chars": 1})
    big = make_settings(tmp_path / "big")
    seen: list[tuple[int, int]] = []
    reports = [ingest([f], Store(one)),
               ingest([f], Store(big), progress=lambda done, total, _r: seen.append((done, total)))]
    for r in reports:
        assert (len(r.added), len(r.replaced), len(r.skipped), r.errors) == (60, 1, 1, [])
    a, b = Store(one), Store(big)
    assert a.counts() == b.counts() and a.counts()["articles"] == 60
    assert a.chroma.collection.count() == b.chroma.collection.count() == a.counts()["chunks"]  # no orphans
    assert sorted(x["title"] for x in a.list_articles()) == sorted(x["title"] for x in b.list_articles())
    (eleven,) = [x for x in a.list_articles() if x["title"] == "Story 11"]
    assert eleven["chars"] == len(rows[-1]["text"].strip())
    dones = [d for d, _ in seen]
    assert dones == sorted(dones) and seen[-1] == (f.stat().st_size, f.stat().st_size)
