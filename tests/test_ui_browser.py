"""The app in a real browser (Debian's Chromium driven by Playwright) and through
gradio_client, with the real local model. One app process serves every test here."""

import os
import shutil
import time

import pytest

from .conftest import ROOT, running_app

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("app")) as url:
        yield url


@pytest.fixture(scope="module")
def page(app_url):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.goto(app_url)
        pg.wait_for_selector("#qa-question textarea")
        yield pg
        browser.close()


def ask(page, question: str):
    """Type a question and watch the answer arrive; returns (final bot message, texts seen).
    The answer is final when nothing is being written any more and it carries citation
    markers, a refusal or an error."""
    bots = page.locator("#qa-chat [data-testid=bot]")
    n_before = bots.count()
    box = page.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")
    seen: list[str] = []
    deadline = time.time() + 300
    while time.time() < deadline:
        if bots.count() > n_before:
            last = bots.last
            text = last.inner_text()
            if not seen or seen[-1] != text:
                seen.append(text)
            if text.startswith("Error") or (not last.locator(".qa-writing").count()
                                            and last.locator(".qa-cite, .qa-refusal").count()):
                break
        page.wait_for_timeout(100)
    return bots.last, seen


def test_browser_ask_and_click_citation(page):
    answer, seen = ask(page, "How many arrests has live facial recognition led to?")
    final = answer.inner_text()
    assert "1,000" in final
    # while it was written, only checked sentences of the final answer were on screen
    for text in seen[:-1]:
        assert text.rstrip(" …") in final, (text, final)
    marker = answer.locator(".qa-cite").first
    assert marker.is_visible()
    marker.click()
    card = page.locator("#qa-sources .qa-source.qa-active")
    assert card.count() == 1 and card.is_visible()
    assert "1,000 arrests" in card.locator("mark").inner_text()
    assert "OpenVoiceNews" in card.inner_text()
    os.makedirs(ROOT / "docs", exist_ok=True)
    page.screenshot(path=str(ROOT / "docs" / "chat-citation.png"), full_page=True)


def test_browser_refusal(page):
    answer, _ = ask(page, "What did the Mayor of London say about facial recognition?")
    assert answer.locator(".qa-refusal").count() == 1
    text = answer.inner_text()
    assert "don't say" in text and "Searched 1 article, for “What did the Mayor" in text
    closest = answer.locator(".qa-closest li")  # where the reader can look, with outlet and date
    assert closest.count() >= 1 and "OpenVoiceNews" in closest.first.inner_text()


def test_browser_upload_then_ask(page, tmp_path):
    f = tmp_path / "harbour.txt"
    f.write_text("Coast News\nHarbour reopens after storm\nOctober 5, 2023\n\n"
                 "The harbour at Port Ellin reopened on Thursday after the storm, said harbour "
                 "master Jane Okafor. She said 37 fishing boats left at dawn and the repairs cost "
                 "£1.2 million, paid by the county council.\n")
    page.get_by_role("tab", name="Library").click()
    page.locator("#qa-upload input[type=file]").set_input_files(str(f))
    page.get_by_role("button", name="Add to library").click()
    page.wait_for_function("() => /added/.test(document.querySelector("
                           "'#qa-upload-report textarea').value)", timeout=120_000)
    page.get_by_role("tab", name="Chat").click()
    answer, _ = ask(page, "How many fishing boats left Port Ellin at dawn?")
    assert "37" in answer.inner_text()


def test_gradio_client_ask_and_summarize(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    # message, chat history, sources panel, then the filters: outlet, since, until
    chat, sources, _ = client.predict("How big is the Met's funding shortfall?", [], "",
                                      "", "", "", api_name="/ask")
    assert "260" in str(chat[-1]["content"])
    assert "£260 million" in sources
    summary, summary_sources = client.predict("Topic", None, "facial recognition", "", "", "",
                                              4, api_name="/summarize")
    assert "Key facts" in summary and "qa-cite" in summary and "<mark>" in summary_sources


def test_api_docs_render_offline_in_the_browser(app_url, page):
    """/docs on the app's own port draws every /v1 route, with no network beyond this machine."""
    pg = page.context.browser.new_page()  # the module's browser: one Playwright per process
    outside: list[str] = []
    pg.on("request", lambda r: None if r.url.startswith(app_url) else outside.append(r.url))
    pg.goto(f"{app_url}docs")
    pg.get_by_text("/v1/chat/completions", exact=True).wait_for(timeout=30_000)
    assert pg.locator(".opblock").count() >= 13
    pg.close()
    assert outside == []


def test_browser_stories_tab_shows_a_timeline_conflicts_and_stories(page, tmp_path):
    """Last here: it adds four copies of the seed article and a report with other figures."""
    page.get_by_role("tab", name="Library").click()
    page.locator("#qa-upload input[type=file]").set_input_files(
        str(ROOT / "bench" / "data" / "stories" / "fixture.jsonl"))
    page.get_by_role("button", name="Add to library").click()
    page.wait_for_function("() => (document.querySelector('#qa-upload-report textarea').value"
                           ".match(/added/g) || []).length >= 5", timeout=120_000)
    page.get_by_role("tab", name="Stories").click()
    page.locator("#qa-timeline-topic textarea").fill("funding shortfall")
    page.get_by_role("button", name="Timeline", exact=True).click()
    page.locator("#qa-timeline table").wait_for(timeout=60_000)
    shown = page.locator("#qa-timeline").inner_text()
    assert "Where the articles differ" in shown and "£240 million" in shown and "£260 million" in shown
    assert "2025-07-31" in shown and "also in" in shown
    import docx

    word = _download(page, "qa-timeline-download", tmp_path, "Word (.docx)")
    text = "\n".join(p.text for p in docx.Document(str(word)).paragraphs)
    assert "Timeline: funding shortfall" in text and "£240 million" in text and "Sources" in text
    page.get_by_role("button", name="List stories").click()
    page.get_by_text("6 articles, 4 of them copies").wait_for(timeout=60_000)


LFR_1300 = {"title": "Facial recognition arrests pass 1,300", "source": "Evening Wire",
            "published_at": "2026-12-01", "url": "https://example.org/news/lfr-1300",
            "text": "Live facial recognition has led to 1,300 arrests, the Metropolitan Police said on "
                    "Friday. The force said the cameras would keep being used across London."}


def _download(page, row: str, tmp_path, label: str):
    """Pick the format in the download row, press its button, save the file the link gives."""
    page.locator(f"#{row} input").first.click()
    page.get_by_role("option", name=label).click()
    page.locator(f"#{row} button").first.click()
    link = page.locator(f"#{row} a[download]").first
    link.wait_for(timeout=60_000)
    with page.expect_download() as got:
        link.click()
    path = tmp_path / got.value.suggested_filename
    got.value.save_as(path)
    return path


def test_browser_watch_a_question_add_an_article_see_the_change_and_download(page, tmp_path):
    """After the stories test: a watch answered, re-answered when an uploaded article enters its
    evidence, its change shown; its history downloaded as Word and Markdown."""
    import json

    import docx

    page.get_by_role("tab", name="Watches").click()
    page.locator("#qa-watch-question textarea").fill("How many arrests has live facial recognition led to?")
    page.get_by_role("button", name="Watch this question").click()
    latest = page.locator("#qa-watch-latest")
    page.get_by_text("Run 1 ·").wait_for(timeout=300_000)
    assert "first answer" in latest.inner_text()

    f = tmp_path / "lfr-1300.jsonl"
    f.write_text(json.dumps(LFR_1300) + "\n")
    page.get_by_role("tab", name="Library").click()
    page.locator("#qa-upload input[type=file]").set_input_files(str(f))
    page.get_by_role("button", name="Add to library").click()
    page.get_by_role("tab", name="Watches").click()
    deadline = time.time() + 300
    while "Run 2 ·" not in latest.inner_text() and time.time() < deadline:
        page.get_by_role("button", name="Refresh").click()
        page.wait_for_timeout(3000)
    shown = latest.inner_text()
    assert f"new article: {LFR_1300['title']}" in shown and "What changed:" in shown
    assert page.locator("#qa-watch-table").inner_text().count("How many arrests") == 1

    word = _download(page, "qa-watch-download", tmp_path, "Word (.docx)")
    text = "\n".join(p.text for p in docx.Document(str(word)).paragraphs)
    assert "Run 2" in text and "Run 1" in text and "Sources" in text
    md = _download(page, "qa-watch-download", tmp_path, "Markdown (.md)").read_text()
    assert md.startswith("# Watch: How many arrests") and "> " in md


def test_browser_download_the_last_answer_with_its_citations(page, tmp_path):
    """The file carries the figure the chat shows and the cited sentence's source (after the
    stories test the library holds reports of other figures: whichever is cited must come)."""
    import re
    from html.parser import HTMLParser

    page.get_by_role("tab", name="Chat").click()
    bot, _ = ask(page, "How much is the Met's funding shortfall?")
    figure = re.search(r"£\d+ million", bot.inner_text())
    assert figure, bot.inner_text()
    path = _download(page, "qa-answer-download", tmp_path, "HTML (.html)")
    parts: list[str] = []
    parser = HTMLParser()
    parser.handle_data = parts.append  # type: ignore[method-assign]
    parser.feed(path.read_text())
    text = " ".join(parts)
    assert figure.group(0) in text and "Sources" in text and "Exported from qa" in text
    assert page.locator("#qa-sources .qa-source").first.get_attribute("data-key")
