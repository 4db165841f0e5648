"""Summaries: key facts extracted from the text (exact by construction), the summary flow
with a fake LLM (each chosen sentence shortened by its own call; one call over whole chunks;
map-reduce), and the real model (slow)."""

import pytest

from qa.news.keyfacts import extract
from qa.news.summarize import _groups, choose, resolve_article, sized, summarize_article, summarize_query

from .conftest import SEEDS, FakeLLM, digits_not_in, shown_claims


@pytest.fixture(scope="module")
def seed(seed_store):
    (row,) = seed_store.list_articles()
    return row["id"], seed_store.text(row["id"])


def test_seed_key_figures(seed):
    aid, text = seed
    figures = [f.text for f in extract(aid, text) if f.kind == "figure"]
    for needed in ("more than 1,000 arrests", "773 resulting in charges or cautions",
                   "four times a week", "up to ten times weekly", "£260 million funding shortfall"):
        assert any(needed in f for f in figures), (needed, figures)


def test_seed_key_quotes_have_the_right_speaker(seed):
    aid, text = seed
    quotes = [f for f in extract(aid, text) if f.kind == "quote"]

    def speaker(opening: str) -> str:
        (f,) = [f for f in quotes if f.text.startswith(opening)]
        return f.speaker

    assert "Rowley" in speaker("It's a fantastic piece of technology")
    assert "Rowley" in speaker("We're only using it")
    assert "Rowley" in speaker("The West End generates")
    assert speaker("It's incredibly concerning") == "Charlie Whelton"
    for f in quotes:  # every key fact is an exact span of the article
        assert text[f.start:f.end] == f.quote


def test_resolve_article_by_id_title_prefix_and_path(seed_store, seed):
    aid, _ = seed
    assert resolve_article(seed_store, aid) == aid
    assert resolve_article(seed_store, "met police to expand") == aid
    assert resolve_article(seed_store, str(SEEDS / "met-police-facial-recognition.txt")) == aid
    with pytest.raises(Exception, match="qa list"):
        resolve_article(seed_store, "no such title")


def chosen(store) -> list[str]:
    """The seed's chosen passages, as summarize_article chooses them (no model needed)."""
    (row,) = store.list_articles()
    settings = sized(store.settings, len(store.text(row["id"]).split()))
    return [p.text for p in choose(row["title"], store.article_passages(row["id"]), store, settings,
                                   lead=True)]


def test_the_seed_summary_chooses_the_lead_and_the_news_not_a_retelling_of_the_lead(seed_store):
    texts = chosen(seed_store)
    assert len(texts) == 4 and "double its use" in texts[0]  # the lead first
    joined = " ".join(texts)
    assert "1,000 arrests" in joined and "£260 million" in joined and "Liberty raised concerns" in joined
    assert "four times a week" not in joined  # the lead's detail, not news of its own
    assert "90 officers" not in joined  # "However, ... Liberty raised concerns" needs no sentence before it


# The fake model's faithful shortening of each chosen seed sentence, keyed by words it contains.
REPLIES = {"double its use": "The Met will double its use of live facial recognition.",
           "£260 million": "The Met faces a £260 million shortfall and will lose officers.",
           "1,000 arrests": "Live facial recognition has led to more than 1,000 arrests.",
           "Whelton": "Charlie Whelton said the expansion was incredibly concerning."}


def replies_to(texts: list[str], replies: dict[str, str]) -> list[str]:
    """The fake model's reply to each chosen sentence: the one keyed by words it contains."""
    return [next(r for k, r in replies.items() if k in t) for t in texts]


def test_fake_llm_summary_shortens_each_chosen_sentence_and_checks_it(seed_store, fake_llm):
    texts = chosen(seed_store)
    replies = {**REPLIES, "£260 million": "The Mayor of London welcomed the plan.",
               "1,000 arrests": "Live facial recognition has led to more than 1,000 arrests [3]."}
    fake_llm.enqueue(*replies_to(texts, replies))
    s = summarize_article("Met Police", seed_store.settings, seed_store, complete=fake_llm)
    assert s.parts == len(texts) == len(fake_llm.history)
    asked = [m[-1]["content"] for m in fake_llm.history]
    assert all(t in a and "at most 14 words" in a for t, a in zip(texts, asked))  # one passage each
    assert [x.supported for x in s.sentences] == ["Mayor" not in r for r in replies_to(texts, replies)]
    assert "Mayor" not in s.text and s.text.count("[") == 3
    text = seed_store.text(s.article_ids[0])
    assert all(text[c.start:c.end] == c.quote for c in s.citations)
    assert any("1,000 arrests" in c.quote for c in s.citations)  # cited to the passage it shortened
    assert len(s.key_facts) > 10
    stated = {f.text for f in s.key_facts if f.in_summary}  # what the shown summary states
    assert any("1,000" in t for t in stated) and not any("260" in t for t in stated)


def test_fake_llm_each_summary_sentence_is_checked_right_after_it_is_written_against_its_passage_alone(
        seed_store, fake_llm):
    """Its support prompt is the prompt that shortened it up to the passage's end (llama.cpp
    has that cached) and then the claim: not all the chosen passages read again, cold."""
    texts = chosen(seed_store)
    fake_llm.enqueue(*replies_to(texts, REPLIES))
    fake_llm.enqueue_probability(*[0.9] * 2 * len(texts))
    s = summarize_article("Met Police", seed_store.settings, seed_store, complete=fake_llm)
    assert s.checked_by == "rules+model"
    users = [m[-1]["content"] for m in fake_llm.history]
    kinds = ["shorten" if "Shorten the passage" in u else "check" for u in users]
    assert kinds[:2] == ["shorten", "check"] and kinds.count("shorten") == len(texts)
    for i, (kind, user) in enumerate(zip(kinds, users)):
        if kind == "check":
            shortened = users[max(j for j in range(i) if kinds[j] == "shorten")]
            assert user.count("<passage") == 1 and user.startswith("<passage n=\"1\">")
            assert user.split("\n\nClaim:")[0] == shortened.split("\n\nShorten")[0]
    assert all(x.support is not None for x in s.sentences if x.shown)


def test_citation_markers_state_no_key_fact():
    from qa.news.keyfacts import KeyFact
    from qa.news.summarize import Summary, marked

    fact = KeyFact(kind="figure", text="four times a week over two days", article_id="a", start=0,
                   end=1, quote="")
    summary = Summary(subject="s", text="The Met faces a shortfall [2]. Arrests rose [4].")
    assert marked([fact], summary)[0].in_summary is False
    summary = Summary(subject="s", text="It ran four times a week over two days [1].")
    assert marked([fact], summary)[0].in_summary is True


def test_a_summary_is_as_long_as_a_share_of_its_article_unless_a_length_is_asked_for(seed_store):
    settings = seed_store.settings
    assert sized(settings, 250).summary.max_sentences == 3  # the least: news, consequence, reaction
    assert sized(settings, 400).summary.max_sentences == 3 and sized(settings, 500).summary.max_sentences == 4
    assert sized(settings, 5000).summary.max_sentences == settings.summary.max_sentences
    asked = settings.model_copy(update={"summary": settings.summary.model_copy(
        update={"share": None, "max_sentences": 7})})
    assert sized(asked, 250).summary.max_sentences == 7


def test_a_key_fact_is_stated_by_its_value_or_its_speaker():
    from qa.news.keyfacts import KeyFact, stated

    def fact(kind, text, speaker=""):
        return KeyFact(kind=kind, text=text, speaker=speaker, article_id="a", start=0, end=1, quote=text)
    shortfall = fact("figure", "a £260 million funding shortfall")
    assert stated(shortfall, "The Met faces a £260m gap.")
    assert not stated(shortfall, "The Met faces a £250 million gap.")
    assert not stated(fact("figure", "from 48 to 63 officers"), "The team grows to 63 officers.")
    quote = fact("quote", "a dangerous expansion of surveillance powers", "Charlie Whelton")
    assert stated(quote, "Charlie Whelton of Liberty objected.")
    assert stated(quote, "Liberty called it a dangerous expansion of surveillance.")
    assert not stated(quote, "Liberty objected.")


def test_fake_llm_long_input_is_mapped_and_reduced(seed_store, fake_llm):
    settings = seed_store.settings.model_copy(deep=True)
    settings.summary.token_budget = 300  # force several parts
    settings.summary.select = False  # the whole article, as for a long input
    passages = seed_store.article_passages(seed_store.list_articles()[0]["id"])
    n_parts = len(_groups(passages, 300))
    assert n_parts > 1
    fake_llm.enqueue(*["The Met faces a £260 million funding shortfall [1]."] * n_parts,
                     "The Met faces a £260 million funding shortfall [1].")
    progress = []
    s = summarize_article("Met Police", settings, seed_store, complete=fake_llm,
                          progress=progress.append)
    assert s.parts == n_parts and len(fake_llm.history) == n_parts + 1
    assert progress[-1] == "merging the parts"
    assert s.sentences[0].supported


def test_fake_llm_topic_summary_spans_matching_articles(seed_store, fake_llm):
    fake_llm.enqueue("The Met will double its use of live facial recognition [1].")
    s = summarize_query("facial recognition", seed_store.settings, seed_store, complete=fake_llm)
    assert s.article_ids and s.sentences[0].supported and s.subject == "facial recognition"


@pytest.mark.slow
def test_local_model_summary_of_seed(seed_store):
    s = summarize_article("Met Police", seed_store.settings, seed_store)
    assert not s.refused and 1 <= len([x for x in s.sentences if x.supported])
    shown = [x for x in s.sentences if x.shown and x.kind == "claim"]
    assert len(s.text.split()) <= 90 and len(shown) <= seed_store.settings.summary.max_sentences
    assert "double its use" in s.passages[0].text  # the lead is chosen first
    text = seed_store.text(s.article_ids[0])
    for x in shown_claims(s):  # the tests' own oracle, not qa's checker
        assert x.spans and not digits_not_in(x.text, text), x
    assert all(text[c.start:c.end] == c.quote for c in s.citations)


def test_key_figures_are_whole_phrases():
    from qa.news.keyfacts import whole_phrase

    words = "48 to 63 officers to manage the growing number of protests in the capital".split()
    assert whole_phrase(words) == "48 to 63 officers"
    assert whole_phrase("more than 1,000 arrests".split()) == "more than 1,000 arrests"
    long = ("12 " + "very " * 20 + "long things").split()
    assert whole_phrase(long).endswith(" …")


def test_fake_llm_summary_hides_a_repeated_sentence(seed_store, fake_llm):
    """The same claim twice (the old summary repeated the public order team under [3] and [4]):
    the second is hidden with its reason, the first is shown."""
    texts = chosen(seed_store)
    same = "The Met will double its use of live facial recognition technology."
    fake_llm.enqueue(same, "The Met will double its use of live facial recognition.",
                     *["x"] * (len(texts) - 2))
    s = summarize_article("Met Police", seed_store.settings, seed_store, complete=fake_llm)
    first, second = s.sentences[:2]
    assert first.shown and not second.shown and "repeats sentence 1" in second.reason
    assert s.text.count("double its use") == 1


def test_fake_llm_summary_reads_the_chosen_sentences_not_the_article(seed_store, fake_llm):
    n = len(chosen(seed_store))
    fake_llm.enqueue(*["The Met will double its use of live facial recognition."] * n)
    s = summarize_article("Met Police", seed_store.settings, seed_store, complete=fake_llm)
    article = seed_store.text(s.article_ids[0])
    read = sum(p.end - p.start for p in s.passages)
    assert read < 0.4 * len(article)
    assert any("double its use" in p.text for p in s.passages)  # the lead
    assert any("1,000 arrests" in p.text for p in s.passages)  # the key figure


def test_fake_llm_long_draft_is_cut_to_the_sentences_and_words_asked_for(seed_store, fake_llm):
    """The model wrote more than asked (one call over whole chunks): the lead stays, then the
    sentences in the order written while they fit the sentence count and the word budget (a
    long one is skipped for a shorter one after it); the rest are hidden, with why."""
    settings = seed_store.settings.model_copy(update={"summary": seed_store.settings.summary.model_copy(
        update={"max_words": 40, "select": False})})
    s = summarize_article("Met Police", settings, seed_store, complete=FakeLLM().enqueue("x"))

    def n(words: str) -> int:
        return next(i for i, p in enumerate(s.passages, 1) if words in p.text)
    long = ("The Met is also increasing its public order team from 48 to 63 officers to manage the "
            "growing number of protests in the capital, many of them related to international issues")
    draft = " ".join([
        f"The Met will double its use of live facial recognition technology [{n('double its use')}].",
        f"Live facial recognition has already led to more than 1,000 arrests [{n('1,000 arrests')}].",
        f"{long} [{n('48 to 63')}].",
        f"The Met faces a £260 million funding shortfall [{n('£260 million')}].",
        f"Civil liberties group Liberty raised concerns [{n('Liberty raised')}].",
        f"The tool is designed to help police identify and arrest suspects [{n('designed to help')}].",
    ])
    fake_llm.enqueue(draft)
    s = summarize_article("Met Police", settings, seed_store, complete=fake_llm)
    shown = [x.text for x in s.sentences if x.shown]
    assert [t.split()[1] for t in shown] == ["Met", "facial", "Met", "liberties"]
    assert len(s.text.split()) <= 40
    why = {x.text[:12]: x.reason for x in s.sentences if not x.shown}
    assert "past 40 words" in why["The Met is a"] and "beyond the 4 sentences" in why["The tool is "]


def test_fake_llm_summary_writes_no_more_than_its_sentences_allow(seed_store, fake_llm):
    """Each shortening call may write three times the words asked of a sentence; asking for a
    length (sentences) decides the number of calls instead of the article's share."""
    from qa.service.schemas import SummarizeRequest
    from qa.service.service import Service

    service = Service(seed_store.settings, seed_store, complete=fake_llm)
    n = len(chosen(seed_store))
    fake_llm.enqueue(*["The Met will double its use of live facial recognition."] * n)
    s = service.summarize(SummarizeRequest(article="Met Police"))
    assert fake_llm.max_tokens == [3 * seed_store.settings.summary.sentence_words] * n == [42] * 4
    fake_llm.enqueue(*["The Met will double its use of live facial recognition."] * 2)
    service.summarize(SummarizeRequest(article="Met Police", sentences=2))
    assert len(fake_llm.max_tokens) == n + 2
    assert s.text.startswith("The Met will double")


def test_fake_llm_sentence_stopped_mid_way_is_left_out(seed_store, fake_llm):
    n = len(chosen(seed_store))
    fake_llm.enqueue("The Met will double its use of live facial recognition.",
                     "Liberty raised concerns about",  # the token limit stopped it here
                     *["The Met will double its use of live facial recognition."] * (n - 2))
    s = summarize_article("Met Police", seed_store.settings, seed_store, complete=fake_llm)
    assert all("concerns about" not in x.text for x in s.sentences) and len(s.sentences) == n - 1
    assert "concerns about" not in s.text and s.text.startswith("The Met will double")


def test_an_unfinished_last_sentence_is_found_as_the_checker_splits_sentences():
    from qa.check.markers import finished

    assert finished("It ran in the U.K. and France [1]. It ran in the U.K. and") == \
        "It ran in the U.K. and France [1]."  # not cut after the abbreviation
    assert finished("It rose. [2] It fell [1]") == "It rose. [2] It fell [1]"  # a marker ends one
    assert finished("no stop at all") == "no stop at all"
