"""Question analysis: outlets of the store and days named in a question become slots."""

from qa.filters import Filters
from qa.questions import slots

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
