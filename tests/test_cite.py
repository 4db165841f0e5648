"""Citation parsing (table-driven, with hallucinated and malformed ids) and the checker."""

import pytest

from qa.check.cite import aligned_checks, check_sentences, hard_checks, names_in
from qa.check.markers import render_sentences, split_answer
from qa.index.retrieve import search
from qa.models import Sentence
from qa.numbers import number_values


@pytest.mark.parametrize("raw, sentences, dropped", [
    ("It led to 1,000 arrests [1].", [("It led to 1,000 arrests.", [1])], 0),
    ("A fact [7].", [("A fact.", [])], 1),                      # hallucinated id, 4 passages
    ("A [1,2]. B [2, 3].", [("A.", [1, 2]), ("B.", [2, 3])], 0),
    ("A [1][2].", [("A.", [1, 2])], 0),
    ("A [^1].", [("A.", [1])], 0),
    ("A (1).", [("A.", [1])], 0),
    ("A 【2】.", [("A.", [2])], 0),
    ("A [Passage 3].", [("A.", [3])], 0),
    ("A.[1] B. [2]", [("A.", [1]), ("B.", [2])], 0),            # trailing citations
    ('He said "we act [1]".', [('He said "we act".', [1])], 0),  # citation inside quotes
    ("A [n].", [("A.", [])], 1),                                # literal placeholder
    ("[1] Alpha rose. [2] Beta fell.", [("Alpha rose.", [1]), ("Beta fell.", [2])], 0),  # leading
    ("A [1].\n[2]", [("A.", [1, 2])], 0),                       # bare marker line
    ("In 2023 (2023) it grew [1].", [("In 2023 (2023) it grew.", [1])], 0),
    ("A [0] [5] [2].", [("A.", [2])], 2),
    ("A [2].\n\n[3]\n\n[", [("A.", [2, 3])], 0),              # cut off in a marker: no "[" sentence
])
def test_parse_citations(raw, sentences, dropped):
    got, n_dropped = split_answer(raw, 4)
    assert [(s.text, s.citations) for s in got] == sentences
    assert n_dropped == dropped


@pytest.mark.parametrize("text, values", [
    ("1,000 arrests", {1000}), ("1000 arrests", {1000}), ("one thousand", {1000}),
    ("£260 million", {260e6}), ("£260m", {260e6}), ("£50bn", {50e9}), ("50 percent", {50}),
    ("ten times weekly", {10}), ("twenty-five", {25}), ("someone said", set()),
])
def test_number_normalisation(text, values):
    assert number_values(text) == values


EVIDENCE = ("The Met faces a £260 million funding shortfall. Sir Mark added, \"It's a fantastic "
            "piece of technology.\" Policy officer Charlie Whelton of Liberty raised concerns.")


@pytest.mark.parametrize("sentence, problem", [
    ("The Met faces a £260m shortfall.", None),
    ("The Met faces a £360 million shortfall.", "number 3.6e+08"),
    ('Sir Mark called it "a fantastic piece of technology".', None),
    ('Sir Mark called it "a wonderful piece of technology".', "quotation not found"),
    ("Charlie Whelton raised concerns.", None),
    ("Sadiq Khan raised concerns.", "name 'Sadiq Khan'"),
])
def test_hard_checks(sentence, problem):
    got = hard_checks(sentence, EVIDENCE)
    assert (got is None) if problem is None else (problem in got)


NEGATED = "negation differs from the cited sentence"


@pytest.mark.parametrize("sentence, best, problem", [
    ("Tourists saw a pipe band.", "tourists were not only treated to sun, but a pipe band.", None),
    ("Tourists saw a pipe band.", "it is not just a band but a pipe band.", None),
    ("Tourists saw a pipe band.", "tourists did not see the pipe band.", NEGATED),
    ("Tourists did not see a pipe band.", "tourists saw a pipe band.", NEGATED),
    # a typographic apostrophe negates as the plain one does
    ("If he doesn't play, the bet is void.", "If he doesn’t play, the bet is void.", None),
    ("If he plays, the bet is void.", "If he doesn’t play, the bet is void.", NEGATED),
    # a negation governs its clause: one about something the claim does not say is no denial
    ("Altman, now 38, has been seen as a wunderkind since his early 20s.",
     "While not trained as an AI engineer, Altman, now 38, has been seen as a Silicon Valley "
     "wunderkind since his early 20s.", None),
    ("Altman was trained as an AI engineer.",
     "While not trained as an AI engineer, Altman, now 38, has been seen as a wunderkind.", NEGATED),
    # an answer fragment states no predicate: only its own negation counts
    ("7 counts", "He pleaded not guilty to seven counts of fraud.", None),
    ("Not guilty", "He pleaded not guilty to seven counts of fraud.", None),
    ("Guilty", "He pleaded not guilty to seven counts of fraud.", NEGATED),
    ("Not guilty", "He was found guilty of seven counts of fraud.", NEGATED),
])
def test_not_only_is_no_negation(sentence, best, problem):
    assert aligned_checks(sentence, best, best) == problem


def test_names_skip_sentence_initial_capitals():
    assert names_in("Currently used four times a week, it grew.") == []
    assert "Charlie Whelton" in names_in("Policy officer Charlie Whelton said so.")


def test_a_sentence_initial_word_the_passages_use_as_a_name_is_a_name():
    assert names_in("Keswick opens new swimming pool.") == []
    assert names_in("Keswick opens new swimming pool.", {"keswick"}) == ["Keswick"]


def _pools():
    """Two short articles alike but for their town and figures, each one passage."""
    from qa.models import Passage

    texts = {t: f"The town of {t} opened a new swimming pool on Saturday. The pool cost {m} "
                f"million pounds and has {n} lanes, the council said."
             for t, m, n in (("Penrith", 17, 35), ("Keswick", 12, 30))}
    return [Passage(chunk_id=f"{t}:0", article_id=t, text=x, start=0, end=len(x),
                    title=f"{t} opens new swimming pool") for t, x in texts.items()], texts


def test_a_town_named_at_the_start_must_be_in_the_passage_cited():
    """CI saw "Keswick opens new swimming pool [1] [2]." shown for a question about Keswick's
    pool, its citations two other towns' articles: a capital at the start of a sentence was
    never read as a name."""
    passages, texts = _pools()
    (sentence,), _ = split_answer("Keswick opens new swimming pool [1].", 2)
    check_sentences([sentence], passages, texts, threshold=0.0, recite=False)
    assert not sentence.supported and "Keswick" in sentence.reason


def test_an_uncited_figure_is_re_cited_to_the_one_passage_that_holds_it():
    """A sentence with a number or name of its own is moved to the passage holding them at the
    rules' threshold; one without them only at `recite_threshold` (a passage without a
    contrary figure is no evidence)."""
    passages, texts = _pools()
    (figure, vague), _ = split_answer("The new pool has 30 lanes. It is a fine new pool.", 2)
    check_sentences([figure, vague], passages, texts, threshold=0.0, recite_threshold=0.9)
    assert figure.supported and figure.citations == [2], figure.reason
    assert not vague.supported and vague.citations == [], vague.reason


# (answer sentence, supported?) against the seed's own passages: subtle errors included.
SEED_CLAIMS = [
    ("Live facial recognition has led to more than 1,000 arrests.", True),
    ("773 of the arrests resulted in charges or cautions.", True),
    ("The technology will be deployed up to ten times a week.", True),
    ("The Met faces a £260 million funding shortfall.", True),
    ("OpenVoiceNews reported that the Met faces a £260 million funding shortfall.", True),  # outlet
    ("Live facial recognition has led to more than 2,000 arrests.", False),   # wrong number
    ("Charlie Whelton said it is a fantastic piece of technology.", False),   # wrong speaker
    ("The Met will stop using live facial recognition.", False),              # negation
    pytest.param("The Met employs 33,000 officers and 773 of them were charged.", False,
                 marks=pytest.mark.xfail(strict=True, reason="merged facts whose every number "
                                         "and word is in the passages: beyond the rules")),
    ("Sadiq Khan praised the technology.", False),                            # invented name
    ("The technology costs £10 million a year.", False),                      # invented figure
]


@pytest.mark.parametrize("claim, supported", SEED_CLAIMS)
def test_checker_on_seed_claims(seed_store, claim, supported):
    settings = seed_store.settings
    passages = search(seed_store, claim, settings.retrieval, k=4)
    texts = {p.article_id: seed_store.text(p.article_id) for p in passages}
    (sentence,), _ = split_answer(claim + " [1][2][3][4]", len(passages))
    citations = check_sentences([sentence], passages, texts, settings.answer.support_threshold)
    assert sentence.supported is supported, sentence.reason
    for c in citations:  # each citation is an exact span of its article
        assert texts[c.article_id][c.start:c.end] == c.quote
        assert passages[c.n - 1].start <= c.start < c.end <= passages[c.n - 1].end


@pytest.mark.parametrize("written, clean, ids", [
    ("Sir Mark spoke to the Press Association about protests in [4].",
     "Sir Mark spoke to the Press Association about protests.", [4]),
    ("The figure was 773, as reported in [2].", "The figure was 773.", [2]),
    ("According to [3], arrests rose.", "Arrests rose.", [3]),
    ("He moved to [Brixton] in May.", "He moved to [Brixton] in May.", []),
    ("Charlie Whelton is quoted about facial recognition in passage 3. [3]",
     "Charlie Whelton is quoted about facial recognition.", [3]),
    ("Both reports agree (see passages 1 and 2).", "Both reports agree.", [1, 2]),
])
def test_a_citation_written_as_a_noun_leaves_a_whole_sentence(written, clean, ids):
    from qa.check.markers import parse_markers

    text, found, _ = parse_markers(written, 5)
    assert (text, found) == (clean, ids)


def test_an_uncited_sentence_is_re_cited_to_the_passage_that_best_supports_it(seed_store):
    """With the model judging (no score threshold), every passage without a contrary number or
    name passes the rules: the re-citation goes to the best-scoring one, not the first."""
    aid = seed_store.find_articles("Met Police")[0]["id"]
    passages = seed_store.article_passages(aid)
    texts = {aid: seed_store.text(aid)}
    liberty = [n for n, p in enumerate(passages, 1) if "Liberty raised concerns" in p.text]
    assert liberty and liberty[0] > 1
    (sentence,), _ = split_answer("Liberty raised concerns about the rise in facial recognition use.",
                                  len(passages))
    check_sentences([sentence], passages, texts, threshold=0.0)
    assert sentence.supported and sentence.citations == liberty[:1], sentence.reason


def test_rendered_sentences_each_end_with_a_stop_after_their_citations():
    """A claim the model left without a full stop ("Answer: the Met [1]") is given one, so
    the next sentence does not run on from it; a stop inside a closing quotation stays."""
    text = render_sentences([Sentence(text="The Metropolitan Police Service", citations=[1]),
                             Sentence(text='Sir Mark said, "It works."', citations=[2]),
                             Sentence(text="It employs 33,000 officers.", citations=[3])])
    assert text == ('The Metropolitan Police Service [1]. Sir Mark said, "It works." [2] '
                    "It employs 33,000 officers [3].")


def test_a_claim_passed_weakly_moves_to_the_passage_that_holds_it():
    """Where the model judges (threshold 0), a claim its cited passage merely does not
    contradict was shown highlighting that passage: "The prosecution painted him as ..."
    over "Before his fall, he made himself out to be ...". Below `recite_threshold` it moves
    to a passage that reaches it; a claim its own passage holds stays."""
    from qa.models import Passage

    texts = {"a": "Before his fall, he made himself out to be the good boy of crypto.",
             "b": "The prosecution painted him as a liar who stole from his customers."}
    passages = [Passage(chunk_id=f"{k}:0", article_id=k, text=t, start=0, end=len(t),
                        title="The trial") for k, t in texts.items()]
    (moved, kept), _ = split_answer("The prosecution painted him as a liar who stole [1]. "
                                    "He made himself out to be the good boy of crypto [1].", 2)
    check_sentences([moved, kept], passages, texts, threshold=0.0, recite_threshold=0.45)
    assert moved.supported and moved.citations == [2], moved.reason
    assert "held it only weakly" in moved.reason
    assert kept.supported and kept.citations == [1], kept.reason


def test_a_citation_holding_nothing_of_its_sentence_is_dropped():
    """"The public order team is getting bigger [2] [3] [4]." highlighted, under [3] and [4],
    the West End's 80 officers and the Met's 33,000: passages the sentence cited that hold no
    word of it. A citation holding a part the others lack stays."""
    from qa.models import Passage

    texts = {"a": "The Met is increasing its public order team from 48 to 63 officers.",
             "b": "The Met employs over 33,000 officers and 11,000 staff.",
             "c": "Liberty raised concerns about the rise in facial recognition use."}
    passages = [Passage(chunk_id=f"{k}:0", article_id=k, text=t, start=0, end=len(t),
                        title="The Met") for k, t in texts.items()]
    (alone, joined), _ = split_answer(
        "The public order team is getting bigger [1] [2]. The public order team is growing, "
        "while Liberty raised concerns about facial recognition [1] [3].", 3)
    check_sentences([alone, joined], passages, texts, threshold=0.0, recite_threshold=0.45)
    assert alone.supported and alone.citations == [1], alone.reason
    assert joined.supported and joined.citations == [1, 3], joined.reason
