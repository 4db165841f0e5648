"""A question asking how many is answered only by a shown sentence giving a number
(qa.answer.asked): true, cited sentences that give none answer another question."""

import pytest

from qa.answer.ask import ask
from qa.answer.asked import ECHO, Awaited, asked_for, echoes, gives
from qa.models import Sentence

from .conftest import FakeLLM
from .test_answer_flow import cite_n

JOBS = "How many police jobs are going?"


@pytest.mark.parametrize("question, kind", [
    ("how many police jobs are going", "count"),
    ("How much is the funding gap?", "amount"),
    ("how big an increase is that?", "amount"),
    ("What share of business leaders think AI will be critical?", "amount"),
    ("Is the public order team getting bigger?", None),
    ("What did the commissioner say about how many arrests there were?", None),
    ("how old is sam altman", "age"),
    ("How long is the Gaza strip?", "measure"),
    ("how long did the trial last", "measure"),
])
def test_what_a_question_asks_for(question, kind):
    assert asked_for(question) == kind


@pytest.mark.parametrize("kind, text, ok", [
    ("count", "The Met will lose around 1,400 officers.", True),
    ("count", "Seven counts of fraud.", True),
    ("count", "No officers were hurt.", True),
    ("count", "The Met will double its use of live facial recognition.", False),
    ("amount", "The Met will double its use of live facial recognition.", True),
    ("amount", "Ninety-four percent of business leaders agree.", True),
    ("amount", "The technology is still nascent.", False),
    ("age", "Altman, now 38, has been seen as a wunderkind.", True),
    ("age", "Altman has been seen as a wunderkind.", False),
    ("measure", "The enclosed area is roughly 25 miles long.", True),
    ("measure", "The trial lasted a month.", True),
    ("measure", "Israel stopped deliveries to Gaza's 2.3 million residents.", False),
])
def test_what_gives_a_count_an_amount_an_age_or_a_measure(kind, text, ok):
    assert gives(kind, text) is ok


def test_sentences_wait_until_one_gives_what_was_asked_then_go_out_in_order():
    out: list[str] = []
    wait = Awaited("count", lambda s: out.append(s.text))
    wait(Sentence(text="The Met is restructuring.", citations=[1]))
    assert out == []
    wait(Sentence(text="It will lose 1,400 officers.", citations=[1]))
    wait(Sentence(text="It is short of money.", citations=[1]))
    assert out == ["The Met is restructuring.", "It will lose 1,400 officers.", "It is short of money."]


@pytest.mark.parametrize("question, anchor, draft, reason", [
    (JOBS, "double its use", "The Metropolitan Police Service (Met) will double its use of live facial "
     "recognition technology to target wanted criminals [{n}].", "count the question asks for"),
    # a sentence only repeating the question's words
    ("What budget gap is the Metropolitan Police dealing with?", "£260 million",
     "Answer: The budget gap\nThe budget gap is the Metropolitan Police dealing with [{n}].", ECHO),
    # praise is no answer to who criticised
    ("Who criticised the expansion?", "fantastic piece of technology",
     "Answer: Sir Mark\nSir Mark said it is a fantastic piece of technology [{n}].",
     "criticism the question asks for"),
    # a direct answer line parroting the question's verb gives no role: the cited sentences must
    ("who praised the facial recognition technology", "1,000 arrests",
     "Answer: The Met police praised facial recognition technology\nThe Met revealed that live facial "
     "recognition has already led to more than 1,000 arrests [{n}].", "praise the question asks for"),
])
def test_fake_llm_true_cited_sentences_answering_another_question_are_refused_never_streamed(
        seed_store, question, anchor, draft, reason):
    n = cite_n(seed_store, question, anchor)
    fake = FakeLLM().enqueue("yes", draft.format(n=n))
    streamed: list[Sentence] = []
    ans = ask(question, seed_store.settings, seed_store, complete=fake, on_sentence=streamed.append)
    assert ans.refused and streamed == []
    assert reason in " ".join(x.reason for x in ans.sentences)
    assert ans.closest  # where the reader can look


def test_fake_llm_a_how_many_answer_streams_once_a_sentence_gives_the_number(seed_store):
    lose = "How many officers will the Met lose?"
    n = cite_n(seed_store, lose, "1,400 officers")
    fake = FakeLLM().enqueue("yes", f"The Met faces a £260 million funding shortfall [{n}]. "
                                    f"It will lose around 1,400 officers and 300 civilian staff [{n}].")
    streamed: list[Sentence] = []
    ans = ask(lose, seed_store.settings, seed_store, complete=fake, on_sentence=streamed.append)
    assert not ans.refused and "1,400" in ans.text
    assert [s.text for s in streamed] == [s.text for s in ans.sentences if s.shown]


@pytest.mark.parametrize("question, text, echo", [
    ("who is caroline ellison", "Caroline Ellison.", True),
    ("How many counts is Sam Bankman-Fried facing?", "7 counts", False),
    ("What budget gap is the Metropolitan Police dealing with?",
     "The budget gap is the Metropolitan Police dealing with.", True),
    ("What budget gap is the Metropolitan Police dealing with?", "A £260 million shortfall.", False),
    ("who criticised the plan", "Liberty criticised the plan.", False),
    ("Is the public order team getting bigger?", "The public order team is getting bigger.", False),
    ("which came first, the Verge's report or TechCrunch's?", "The Verge's report.", False),
])
def test_a_sentence_only_repeating_a_wh_question_is_no_answer(question, text, echo):
    assert echoes(question, text) is echo


@pytest.mark.parametrize("question, role", [
    ("who criticised the plan", "criticism"),
    ("Who criticized the expansion?", "criticism"),
    ("which groups backed the bill", "support"),
    ("who praised the facial recognition technology", "praise"),
    ("Who did the defence blame for not protecting Alameda from risk?", "blame"),
    ("who said it was all built on lies", None),
    ("what did the critics say", None),
    ("Who is the individual facing a criminal trial on fraud, who is accused by the prosecution of "
     "committing fraud for personal gain?", None),
    ("Which company, as reported by TechCrunch, has been accused of hiding documents?", None),
    ("whose comments backed the plan", "support"),
])
def test_the_role_a_who_question_asks_about(question, role):
    assert asked_for(question) == role


@pytest.mark.parametrize("role, text, ok", [
    ("criticism", "Liberty raised concerns about the rise in facial recognition use.", True),
    ("criticism", "Policy officer Charlie Whelton said it was incredibly concerning.", True),
    ("criticism", "Sir Mark Rowley called it a fantastic piece of technology.", False),
    ("praise", "Sir Mark Rowley called it a fantastic piece of technology.", True),
    ("praise", "Liberty raised concerns about the rise in facial recognition use.", False),
])
def test_a_role_is_given_in_words_of_that_role(role, text, ok):
    assert gives(role, text) is ok
