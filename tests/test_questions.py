"""Question analysis: outlets of the store and days named in a question become slots."""

from qa.answer.questions import slots
from qa.index.filters import Filters

OUTLETS = ["The Verge", "TechCrunch", "The Age", "Wired", "The Roar | Sports Writers Blog",
           "Sporting News", "BBC News - Entertainment & Arts", "OpenVoiceNews U.K."]


def named(question: str, filters: Filters | None = None) -> list[str]:
    return [s.what for s in slots(question, OUTLETS, filters)]


def test_outlets_of_the_store_are_found_however_they_are_quoted():
    q = "Does 'The Verge' article suggest X, while 'The Age' and 'TechCrunch' articles imply Y?"
    assert named(q) == ["TechCrunch", "The Age", "The Verge"]
    assert named("what does sporting news say about messi") == ["Sporting News"]
    assert named("Between the report from The Roar published on October 18, 2023 and ...") == [
        "The Roar | Sports Writers Blog", "2023-10-18"]


def test_common_words_are_not_outlets():
    assert named("in the age of AI, are wired headphones better?") == []
    assert named("How many arrests has live facial recognition led to?") == []


def test_a_slot_keeps_the_callers_filters_and_an_outlet_filter_wins():
    (slot,) = slots("What did Wired report on 2023-10-18?", OUTLETS, Filters(source="Wired"))
    assert slot.what == "2023-10-18" and slot.filters.source == "Wired"
    assert slot.filters.since == slot.filters.until == "2023-10-18"


def test_a_question_asks_yes_or_no_when_its_first_clause_opens_with_an_auxiliary():
    from qa.answer.questions import asks_yes_no

    for q in ("Did The Verge report the fine?", "can the police just ban protests?",
              "Between the report of 1 October and the later one, was there a change in tone?",
              "After The Age reported on 26 September, did The Independent say the same?"):
        assert asks_yes_no(q), q
    for q in ("Who is the man that, before the collapse, was seen as reliable?",
              "Considering both articles, which company, known for tractors, has him as director?",
              "how big is the met police", "What does Liberty think about it?", "Liberty objected."):
        assert not asks_yes_no(q), q


def test_a_choice_between_two_opposite_words_is_found_and_asked_of_the_first():
    from qa.answer.questions import choice

    c = choice("Has the Met's stance on facial recognition remained consistent or inconsistent?")
    assert (c.first, c.second) == ("consistent", "inconsistent")
    assert c.asked == "Has the Met's stance on facial recognition remained consistent?"
    c = choice("Did Wired report the fine before or after The Verge reported the appeal?")
    assert (c.first, c.second) == ("before", "after")
    assert c.asked == "Did Wired report the fine before The Verge reported the appeal?"
    c = choice("did the met's plans for facial recognition get bigger or smaller?")
    assert (c.first, c.second) == ("bigger", "smaller")
    assert choice("Is its use increasing or decreasing?").second == "decreasing"
    for q in ("Did The Verge or Wired report the fine?", "Who was first, Apple or Google?",
              "Was the coverage consistent?", "is it true?", "Is the plan more or less the same?"):
        assert choice(q) is None, q
