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


def test_browser_stories_tab_shows_a_timeline_conflicts_and_stories(page):
    """Last here: it adds four copies of the seed article and a report with other figures."""
    page.get_by_role("tab", name="Library").click()
    page.locator("#qa-upload input[type=file]").set_input_files(
        str(ROOT / "bench" / "data" / "stories" / "fixture.jsonl"))
    page.get_by_role("button", name="Add to library").click()
    page.wait_for_function("() => (document.querySelector('#qa-upload-report textarea').value"
                           ".match(/added/g) || []).length >= 5", timeout=120_000)
    page.get_by_role("tab", name="Stories").click()
    page.locator("#qa-timeline-topic textarea").fill("funding shortfall")
    page.get_by_role("button", name="Timeline").click()
    page.locator("#qa-timeline table").wait_for(timeout=60_000)
    shown = page.locator("#qa-timeline").inner_text()
    assert "Where the articles differ" in shown and "£240 million" in shown and "£260 million" in shown
    assert "2025-07-31" in shown and "also in" in shown
    page.get_by_role("button", name="List stories").click()
    page.get_by_text("6 articles, 4 of them copies").wait_for(timeout=60_000)
