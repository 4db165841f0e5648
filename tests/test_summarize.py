"""Summaries: key facts extracted from the text (exact by construction), the summary flow
with a fake LLM (single call and map-reduce), and the real model (slow)."""

import pytest

from qa.keyfacts import extract
from qa.summarize import _groups, resolve_article, summarize_article, summarize_query

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


def test_fake_llm_summary_is_checked_and_cited(seed_store, fake_llm):
    fake_llm.enqueue(
        "The Met will double its use of live facial recognition [1]. "
        "Live facial recognition has led to more than 1,000 arrests [3]. "
        "The Mayor of London welcomed the plan [1].")
    s = summarize_article("Met Police", seed_store.settings, seed_store, complete=fake_llm)
    assert [x.supported for x in s.sentences] == [True, True, False]
    assert "Mayor" not in s.text and s.parts == 1
    text = seed_store.text(s.article_ids[0])
    assert all(text[c.start:c.end] == c.quote for c in s.citations)
    assert any("1,000 arrests" in c.quote for c in s.citations)  # re-cited if [3] was wrong
    assert len(s.key_facts) > 10
    stated = {f.text for f in s.key_facts if f.in_summary}  # what the shown summary states
    assert any("1,000" in t for t in stated) and not any("260" in t for t in stated)


def test_a_key_fact_is_stated_by_its_value_or_its_speaker():
    from qa.keyfacts import KeyFact, stated

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
    text = seed_store.text(s.article_ids[0])
    for x in shown_claims(s):  # the tests' own oracle, not qa's checker
        assert x.spans and not digits_not_in(x.text, text), x
    assert all(text[c.start:c.end] == c.quote for c in s.citations)


def test_key_figures_are_whole_phrases():
    from qa.keyfacts import whole_phrase

    words = "48 to 63 officers to manage the growing number of protests in the capital".split()
    assert whole_phrase(words) == "48 to 63 officers"
    assert whole_phrase("more than 1,000 arrests".split()) == "more than 1,000 arrests"
    long = ("12 " + "very " * 20 + "long things").split()
    assert whole_phrase(long).endswith(" …")


def test_fake_llm_summary_hides_a_repeated_sentence(seed_store, fake_llm):
    """The same claim twice (the old summary repeated the public order team under [3] and [4]):
    the second is hidden with its reason, the first is shown."""
    s = summarize_article("Met Police", seed_store.settings, seed_store, complete=FakeLLM().enqueue("x"))
    n = next(i for i, p in enumerate(s.passages, 1) if "48 to 63" in p.text)
    same = f"The Met is also increasing its public order team from 48 to 63 officers [{n}]."
    fake_llm.enqueue(f"{same} The Met is increasing its public order team from 48 to 63 officers [{n}].")
    s = summarize_article("Met Police", seed_store.settings, seed_store, complete=fake_llm)
    first, second = s.sentences
    assert first.shown and not second.shown and "repeats sentence 1" in second.reason
    assert s.text.count("48 to 63") == 1


def test_fake_llm_summary_reads_the_chosen_sentences_not_the_article(seed_store, fake_llm):
    fake_llm.enqueue("The Met will double its use of live facial recognition [1].")
    s = summarize_article("Met Police", seed_store.settings, seed_store, complete=fake_llm)
    article = seed_store.text(s.article_ids[0])
    read = sum(p.end - p.start for p in s.passages)
    assert read < 0.6 * len(article)
    assert any("double its use" in p.text for p in s.passages)  # the lead
    assert any("1,000 arrests" in p.text for p in s.passages)  # the key figure


def test_fake_llm_long_draft_is_cut_to_the_sentences_and_words_asked_for(seed_store, fake_llm):
    """The model wrote more than asked: the lead stays, then the sentences in the order
    written while they fit the sentence count and the word budget (a long one is skipped for a
    shorter one after it); the rest are hidden, with why."""
    s = summarize_article("Met Police", seed_store.settings, seed_store, complete=FakeLLM().enqueue("x"))

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
    settings = seed_store.settings.model_copy(update={"summary": seed_store.settings.summary.model_copy(
        update={"max_words": 40})})
    s = summarize_article("Met Police", settings, seed_store, complete=fake_llm)
    shown = [x.text for x in s.sentences if x.shown]
    assert [t.split()[1] for t in shown] == ["Met", "facial", "Met", "liberties"]
    assert len(s.text.split()) <= 40
    why = {x.text[:12]: x.reason for x in s.sentences if not x.shown}
    assert "past 40 words" in why["The Met is a"] and "beyond the 4 sentences" in why["The tool is "]


def test_fake_llm_summary_writes_no_more_than_its_word_budget_allows(seed_store, fake_llm):
    """The model is stopped at twice the word budget in tokens (what is past it would be
    hidden anyway); asking for more sentences raises the word budget with them."""
    from qa.service import Service, SummarizeRequest

    service = Service(seed_store.settings, seed_store, complete=fake_llm)
    fake_llm.enqueue("The Met will double its use of live facial recognition [1].")
    s = service.summarize(SummarizeRequest(article="Met Police"))
    assert fake_llm.max_tokens[-1] == 2 * seed_store.settings.summary.max_words == 180
    fake_llm.enqueue("The Met will double its use of live facial recognition [1].")
    service.summarize(SummarizeRequest(article="Met Police", sentences=2))
    assert fake_llm.max_tokens[-1] == 2 * 45
    fake_llm.enqueue("The Met will double its use of live facial recognition [1].")
    service.summarize(SummarizeRequest(article="Met Police", sentences=12))
    assert fake_llm.max_tokens[-1] == seed_store.settings.summary.max_tokens == 320  # the cap
    assert s.text.startswith("The Met will double")


def test_fake_llm_draft_stopped_mid_sentence_loses_only_its_unfinished_end(seed_store, fake_llm):
    fake_llm.enqueue("The Met will double its use of live facial recognition [1]. "
                     "Liberty raised concerns about")  # the token limit stopped it here
    s = summarize_article("Met Police", seed_store.settings, seed_store, complete=fake_llm)
    assert len(s.sentences) == 1 and all("concerns about" not in x.text for x in s.sentences)
    assert "concerns about" not in s.text and s.text.startswith("The Met will double")
    assert s.draft.endswith("concerns about")  # the model's draft is kept as written


def test_an_unfinished_last_sentence_is_found_as_the_checker_splits_sentences():
    from qa.cite import finished

    assert finished("It ran in the U.K. and France [1]. It ran in the U.K. and") == \
        "It ran in the U.K. and France [1]."  # not cut after the abbreviation
    assert finished("It rose. [2] It fell [1]") == "It rose. [2] It fell [1]"  # a marker ends one
    assert finished("no stop at all") == "no stop at all"
