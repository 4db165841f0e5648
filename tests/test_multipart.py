"""Questions that ask two things at once (qa.answer.multipart): how they are split, and, with a
fake LLM, that each part is answered with its own checked citations or said missing."""

import pytest

from qa.answer.ask import REFUSAL, ask
from qa.answer.multipart import leans, split

from .test_answer_flow import cite_n

BOTH = "How many arrests has live facial recognition led to, and how many were charged?"
PART1, PART2 = "How many arrests has live facial recognition led to?", "How many were charged?"
REWRITTEN = "How many people arrested after live facial recognition were charged or cautioned?"


@pytest.mark.parametrize("question,parts", [
    (BOTH, [PART1, PART2]),
    ("Is the public order team getting bigger? By how much?",
     ["Is the public order team getting bigger?", "By how much?"]),
    ("How many officers and how many civilian staff will the Met lose?",
     ["How many officers will the Met lose?", "How many civilian staff will the Met lose?"]),
    ("what does epic accuse google of hiding, and how does google answer",
     ["What does epic accuse google of hiding?", "How does google answer?"]),
    ("who was top of the premier league and on how many points",
     ["Who was top of the premier league?", "On how many points?"]),
    ("What was Uber's operating income in the third quarter, and its net income?",
     ["What was Uber's operating income in the third quarter?", "Its net income?"]),
    ("How much did Ellison say she took, and why?", ["How much did Ellison say she took?", "Why?"]),
])
def test_a_question_asking_two_things_is_split_into_questions(question, parts):
    assert split(question) == parts


@pytest.mark.parametrize("question", [
    "How many arrests has live facial recognition led to?",
    "how did the prosecution and the defence each describe bankman-fried",
    "Did TechCrunch and The Verge both report that Ellison took customer money?",
    "What did Sir Mark Rowley and the Mayor say about facial recognition?",
    # one person described by several clauses is one question
    "Who is the individual facing a criminal trial, as reported by The Verge, and is accused by "
    "prosecutors of committing fraud for personal gain?",
    "Which company has been compared to GPT-3.5, and is accused of harming news publishers?",
])
def test_a_question_asking_one_thing_is_not_split(question):
    assert split(question) is None


def test_a_part_that_leans_on_the_one_before_is_told_apart():
    assert leans("By how much?") and leans("Why?") and leans("Its net income?") and leans(PART2)
    assert not leans(PART1) and not leans("How many civilian staff will the Met lose?")


def test_fake_llm_each_part_is_answered_with_its_own_citations(seed_store, fake_llm):
    n1 = cite_n(seed_store, PART1, "1,000 arrests")
    n2 = cite_n(seed_store, REWRITTEN, "773")
    fake_llm.enqueue("yes", f"Live facial recognition has led to more than 1,000 arrests [{n1}].",
                     REWRITTEN,  # the second part leans on the first: rewritten with it
                     "yes", f"Of these, 773 resulted in charges or cautions [{n2}].")
    streamed = []
    ans = ask(BOTH, seed_store.settings, seed_store, complete=fake_llm, on_sentence=streamed.append)
    assert not ans.refused
    shown = [s for s in ans.sentences if s.shown]
    assert [s.text for s in shown] == [s.text for s in streamed]
    assert [s.citations for s in shown] == [s.citations for s in streamed]
    first, second = shown
    assert "1,000" in first.text and "773" in second.text
    offset = len(ans.passages) // 2  # each part searched the same single article's passages
    assert first.citations == [n1] and second.citations == [n2 + offset]
    for c in ans.citations:
        assert seed_store.text(c.article_id)[c.start:c.end] == c.quote
        assert ans.passages[c.n - 1].article_id == c.article_id
    assert {c.n for c in ans.citations} == {n1, n2 + offset}
    assert "773" in next(c.quote for c in ans.citations if c.n == n2 + offset)
    assert PART2 in fake_llm.history[2][0]["content"]  # the rewrite, with the first part before it
    assert f"[{n2 + offset}]" in ans.text


def test_fake_llm_a_part_the_articles_dont_answer_is_said_missing(seed_store, fake_llm):
    question = "How many arrests has live facial recognition led to, and what did the Mayor say?"
    n1 = cite_n(seed_store, PART1, "1,000 arrests")
    fake_llm.enqueue("yes", f"Live facial recognition has led to more than 1,000 arrests [{n1}].",
                     "no")  # the gate: nothing on the Mayor
    streamed = []
    ans = ask(question, seed_store.settings, seed_store, complete=fake_llm,
              on_sentence=streamed.append)
    assert not ans.refused and "1,000" in ans.text
    gap = streamed[-1]
    assert gap.kind == "gap" and gap.text.startswith("The articles don't say: searched 1 article")
    assert "“What did the Mayor say?”" in gap.text and gap.text in ans.text
    assert gap.reason.startswith("the passages do not answer it")


def test_fake_llm_no_part_answered_is_one_refusal_saying_what_was_searched(seed_store, fake_llm):
    question = "What did the Mayor say? And what did the Home Secretary say?"
    fake_llm.enqueue("no", "no")
    ans = ask(question, seed_store.settings, seed_store, complete=fake_llm)
    assert ans.refused and ans.text.startswith(REFUSAL) and ans.citations == []
    assert "“What did the Mayor say?”" in ans.searched
    assert "“What did the Home Secretary say?”" in ans.searched
    assert len(fake_llm.history) == 2  # a gate each, nothing drafted


def test_fake_llm_a_sentence_an_earlier_part_showed_is_not_shown_again(seed_store, fake_llm):
    n1 = cite_n(seed_store, PART1, "1,000 arrests")
    n2 = cite_n(seed_store, REWRITTEN, "1,000 arrests")
    fake_llm.enqueue("yes", f"Live facial recognition has led to more than 1,000 arrests [{n1}].",
                     REWRITTEN,
                     "yes", f"Live facial recognition has led to more than 1,000 arrests [{n2}]. "
                            f"Of these, 773 resulted in charges or cautions [{n2}].")
    streamed = []
    ans = ask(BOTH, seed_store.settings, seed_store, complete=fake_llm, on_sentence=streamed.append)
    shown = [s.text for s in ans.sentences if s.shown]
    assert shown == [s.text for s in streamed]
    assert len(shown) == 2 and "773" in shown[1]
    assert ans.text.count("1,000 arrests") == 1
    assert any(s.reason == "repeats a sentence of an earlier part" for s in ans.sentences)


def test_fake_llm_a_part_answered_only_by_an_earlier_parts_sentence_is_said_missing(seed_store, fake_llm):
    """"How many officers are now in the West End and how big an increase is that?" showed "80
    officers are now in the West End." for both parts, the second hidden as a repeat: the
    increase was passed over without a word."""
    n1 = cite_n(seed_store, PART1, "1,000 arrests")
    n2 = cite_n(seed_store, REWRITTEN, "1,000 arrests")
    fake_llm.enqueue("yes", f"Live facial recognition has led to more than 1,000 arrests [{n1}].",
                     REWRITTEN,
                     "yes", f"Live facial recognition has led to more than 1,000 arrests [{n2}].")
    streamed = []
    ans = ask(BOTH, seed_store.settings, seed_store, complete=fake_llm, on_sentence=streamed.append)
    shown = [s.text for s in ans.sentences if s.shown]
    assert shown == [s.text for s in streamed]
    assert not ans.refused and len(shown) == 2
    assert shown[1].startswith("Nothing more found for") and PART2 in shown[1]
    assert ans.text.count("1,000 arrests") == 1


def test_fake_llm_a_split_question_is_as_answerable_as_its_least_answerable_part(seed_store, fake_llm):
    n1 = cite_n(seed_store, PART1, "1,000 arrests")
    n2 = cite_n(seed_store, REWRITTEN, "773")
    fake_llm.enqueue("yes", f"Live facial recognition has led to more than 1,000 arrests [{n1}].",
                     REWRITTEN, "yes", f"Of these, 773 resulted in charges or cautions [{n2}].")
    fake_llm.enqueue_probability(0.8, 0.6, 0.6, 0.6)  # part 1 gate 0.8; part 2 gate 0.6; checks 0.6
    ans = ask(BOTH, seed_store.settings, seed_store, complete=fake_llm)
    assert not ans.refused and ans.answerable == 0.6
