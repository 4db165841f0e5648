"""The answer flow with a fake LLM (queue-driven): gate, parsing, checking, refusal."""

import pytest
from pydantic import ValidationError

from qa.answer.ask import REFUSAL, ask

from .conftest import FakeLLM

Q = "How many arrests has live facial recognition led to?"


def cite_n(store, question: str, words: str, settings=None) -> int:
    """The number qa gives the evidence passage holding `words` for this question (the gate
    of a fake model says no, so the passages come back without an answer)."""
    ans = ask(question, settings or store.settings, store, complete=FakeLLM().enqueue("no"))
    return next(i for i, p in enumerate(ans.passages, 1) if words in p.text)


def test_fake_llm_supported_answer_keeps_exact_citations(seed_store, fake_llm):
    n = cite_n(seed_store, Q, "1,000 arrests")
    fake_llm.enqueue("yes", f"Live facial recognition has led to more than 1,000 arrests [{n}]. "
                            f"Of these, 773 resulted in charges or cautions [{n}][9].")
    ans = ask(Q, seed_store.settings, seed_store, complete=fake_llm)
    assert not ans.refused
    assert [s.supported for s in ans.sentences] == [True, True]
    assert ans.dropped_citations == 1  # [9] names no passage
    assert [c.n for c in ans.citations] == [n]
    (c,) = ans.citations
    assert "1,000 arrests" in c.quote
    assert seed_store.text(c.article_id)[c.start:c.end] == c.quote
    assert len(fake_llm.history) == 2  # gate, then answer
    # passages go to the model as delimited data, after the static instructions
    assert fake_llm.history[1][0]["role"] == "system"
    assert '<passage n="1"' in fake_llm.history[1][1]["content"]


def test_fake_llm_unsupported_sentence_is_removed_or_flagged(seed_store, fake_llm):
    draft = ("Live facial recognition has led to more than 1,000 arrests [1]. "
             "The Mayor of London called it a triumph [1].")
    fake_llm.enqueue("yes", draft)
    ans = ask(Q, seed_store.settings, seed_store, complete=fake_llm)
    assert "Mayor" not in ans.text and "1,000" in ans.text
    assert [s.supported for s in ans.sentences] == [True, False]
    assert "Mayor" in ans.sentences[1].reason or "London" in ans.sentences[1].reason

    flag = seed_store.settings.model_copy(deep=True)
    flag.answer.policy = "flag"
    fake_llm.enqueue("yes", draft)
    assert "Mayor" in ask(Q, flag, seed_store, complete=fake_llm).text


def test_fake_llm_gate_no_refuses_without_generating(seed_store, fake_llm):
    fake_llm.enqueue("no")
    ans = ask("What did the Mayor of London say?", seed_store.settings, seed_store,
              complete=fake_llm)
    assert ans.refused and ans.text.startswith(REFUSAL) and ans.citations == []
    assert len(fake_llm.history) == 1


def test_fake_llm_a_refusal_says_what_was_searched_and_lists_the_closest_passages(seed_store, fake_llm):
    """A refusal names how many articles were searched, for what and within which filters, and
    lists each nearest article's best sentence (char-exact), not as a citation."""
    from qa.index.filters import Filters

    fake_llm.enqueue("no")
    q = "What did the Mayor of London say about facial recognition?"
    ans = ask(q, seed_store.settings, seed_store, complete=fake_llm,
              filters=Filters(since="2025-01-01"))
    n = seed_store.counts()["articles"]
    assert ans.refused and ans.citations == []
    assert ans.searched == f"{n} article{'s' if n != 1 else ''}, for “{q}”, since 2025-01-01"
    assert f"Searched {ans.searched}." in ans.text
    assert 1 <= len(ans.closest) <= 3
    for c in ans.closest:
        assert seed_store.text(c.article_id)[c.start:c.end] == c.quote
    assert "facial recognition" in ans.closest[0].quote.lower()


def test_a_quote_with_its_own_quotation_marks_is_shown_without_ours():
    """A closest passage or citation that quotes someone keeps its own marks; ours are added
    only to a quote without any (“"We don't ..." he said.” piled two kinds up)."""
    from qa.models import Citation

    def cite(quote):
        return Citation(n=1, chunk_id="c", article_id="a", title="t", start=0, end=len(quote), quote=quote)

    said = '"We don\'t have enough officers," he said.'
    assert cite(said).quoted() == said
    assert cite("The Met faces a £260 million gap.").quoted() == "“The Met faces a £260 million gap.”"


def test_fake_llm_all_sentences_unsupported_becomes_refusal(seed_store, fake_llm):
    fake_llm.enqueue("yes", "The scheme cost £99 million [1]. It began in 1999 [1].")
    ans = ask("How much did the scheme cost?", seed_store.settings, seed_store, complete=fake_llm)
    assert ans.refused
    rejected = ans.sentences[1:]  # the draft's sentences follow the refusal, with reasons
    assert len(rejected) == 2 and not any(s.supported for s in rejected)
    assert all("number" in s.reason for s in rejected)


def test_fake_llm_model_refusal_is_a_refusal(seed_store, fake_llm):
    fake_llm.enqueue("yes", "The articles don't say.")
    assert ask(Q, seed_store.settings, seed_store, complete=fake_llm).refused


def test_unrelated_question_is_refused_without_calling_the_model(seed_store, fake_llm):
    s = seed_store.settings.model_copy(deep=True)
    s.retrieval.min_similarity = 0.99
    ans = ask("zxqv", s, seed_store, complete=fake_llm)
    assert ans.refused and fake_llm.history == []


def test_fake_llm_wrong_citation_is_corrected_to_the_supporting_passage(seed_store, fake_llm):
    q = "How many officers are being moved to local teams?"
    fake_llm.enqueue("yes", "A further 90 officers are being moved to local teams [1][2][3][4].")
    first = ask(q, seed_store.settings, seed_store, complete=fake_llm)
    right = [c.n for c in first.citations if "90 officers" in c.quote]
    wrong = next(n for n in range(1, 5) if "90 officers" not in first.passages[n - 1].text)
    fake_llm.enqueue("yes", f"A further 90 officers are being moved to local teams [{wrong}].")
    ans = ask(q, seed_store.settings, seed_store, complete=fake_llm)
    (s,) = ans.sentences
    assert s.supported and s.reason.startswith(f"re-cited: [{wrong}]")
    assert s.citations != [wrong] and "90 officers" in ans.citations[0].quote
    assert right


def test_fake_llm_an_uncited_sentence_no_passage_supports_is_not_recited_for_the_model_to_pass(
        seed_store, fake_llm):
    """With the model checking, the rules' score threshold is off for cited sentences, but an
    uncited one (often the model's own knowledge) is moved to a passage only at that
    threshold: "any passage without a contrary figure" is not evidence, and the model, asked
    over all the passages, may say yes to a plausible sentence."""
    n = cite_n(seed_store, Q, "1,000 arrests")
    fake_llm.enqueue_probability(0.9)  # the gate
    fake_llm.enqueue(f"Live facial recognition has led to more than 1,000 arrests [{n}]. "
                     "It keeps order and safety on the streets of the city.")
    fake_llm.enqueue_probability(0.8, 0.8, 0.8, 0.8)  # the model would pass both
    ans = ask(Q, seed_store.settings, seed_store, complete=fake_llm)
    made_up = ans.sentences[-1]
    assert made_up.text.startswith("It keeps order") and not made_up.supported
    assert made_up.citations == [] and "order and safety" not in ans.text
    assert made_up.reason == "no citation" and not ans.refused


def test_fake_llm_evidence_leaves_out_the_articles_subheadings(seed_store, fake_llm):
    """"High Street Policing", a subheading of the seed article, was read as evidence (merged
    with the sentence after it) and written back by the model as a claim."""
    for q in ("who runs the met?", "who criticised the facial recognition expansion",
              "how many were charged"):
        ans = ask(q, seed_store.settings, seed_store, complete=fake_llm.enqueue("no"))
        assert ans.passages and not any("High Street Policing" in p.text for p in ans.passages), q


def test_fake_llm_model_verdict_can_reject_what_the_rules_passed(seed_store, fake_llm):
    n = cite_n(seed_store, Q, "1,000 arrests")
    fake_llm.enqueue_probability(0.9)  # the gate
    fake_llm.enqueue(f"Live facial recognition has led to more than 1,000 arrests [{n}]. "
                     f"Of these, 773 resulted in charges or cautions [{n}].")
    # the gate's P(yes) showed the model gives probabilities: one per sentence
    fake_llm.enqueue_probability(0.8, 0.2)
    ans = ask(Q, seed_store.settings, seed_store, complete=fake_llm)
    assert [x.supported for x in ans.sentences] == [True, False]
    assert [x.support for x in ans.sentences] == [0.8, 0.2]
    assert "P(yes) 0.20 below" in ans.sentences[1].reason and "773" not in ans.text
    assert ans.checked_by == "rules+model"
    support_prompt = fake_llm.history[-1][1]["content"]
    assert support_prompt.startswith(fake_llm.history[1][1]["content"].split("Question:")[0])


def test_fake_llm_without_probabilities_is_checked_by_the_rules_alone(seed_store, fake_llm):
    n = cite_n(seed_store, Q, "1,000 arrests")
    fake_llm.enqueue("yes", f"Live facial recognition has led to more than 1,000 arrests [{n}].")
    ans = ask(Q, seed_store.settings, seed_store, complete=fake_llm)
    assert ans.checked_by == "rules" and ans.sentences[0].support is None
    assert ans.sentences[0].supported


def test_fake_llm_prompt_keeps_passages_within_token_budget(seed_store, fake_llm):
    from qa.prompts import passage_tokens

    wide = seed_store.settings.model_copy(deep=True)
    wide.retrieval.k = 10
    wide.evidence.sentences = False  # whole chunks, as before evidence selection
    fake_llm.enqueue("yes", "Live facial recognition has led to more than 1,000 arrests [1].")
    everything = ask(Q, wide, seed_store, complete=fake_llm).passages
    wide.answer.passage_tokens = passage_tokens(everything[0]) + passage_tokens(everything[1]) + 1
    fake_llm.enqueue("yes", "Live facial recognition has led to more than 1,000 arrests [1].")
    ans = ask(Q, wide, seed_store, complete=fake_llm)
    prompt = fake_llm.history[-1][1]["content"]
    assert len(everything) > 2 and len(ans.passages) == 2
    assert prompt.count("<passage n=") == 2 and [p.chunk_id for p in ans.passages] == [
        p.chunk_id for p in everything[:2]]


def test_fake_llm_only_checked_sentences_are_streamed(seed_store, fake_llm):
    """on_sentence sees each sentence once the model has moved past it and it has passed its
    check; the unsupported one is never handed out, and the streamed ones are the answer's."""
    n = cite_n(seed_store, Q, "1,000 arrests")
    fake_llm.enqueue("yes", f"Live facial recognition has led to more than 1,000 arrests [{n}]. "
                            f"The Mayor of London called it a triumph [{n}]. "
                            f"Of these, 773 resulted in charges or cautions [{n}].")
    streamed = []
    ans = ask(Q, seed_store.settings, seed_store, complete=fake_llm, on_sentence=streamed.append)
    assert [s.text for s in streamed] == [s.text for s in ans.sentences if s.shown]
    assert len(streamed) == 2 and all(s.supported for s in streamed)
    assert not any("Mayor" in s.text for s in streamed)


def test_fake_llm_a_gap_sentence_does_not_discard_the_answer(seed_store, fake_llm):
    """"The articles don't say X" beside a supported claim: the claim is shown, the gap is
    kept as a gap (not checked, not cited), and the answer is not a refusal."""
    n = cite_n(seed_store, Q, "1,000 arrests")
    fake_llm.enqueue("yes", f"Live facial recognition has led to more than 1,000 arrests [{n}]. "
                            "The articles don't say how many of those people were convicted.")
    ans = ask(Q, seed_store.settings, seed_store, complete=fake_llm)
    assert not ans.refused and "1,000" in ans.text and "convicted" in ans.text
    claim, gap = ans.sentences
    assert claim.kind == "claim" and claim.supported
    assert gap.kind == "gap" and gap.citations == [] and gap.shown


def test_fake_llm_evidence_is_sentence_spans_within_the_token_budget(seed_store, fake_llm):
    """The model reads sentences, not chunks: each passage is an exact span of its article,
    the estimated evidence fits the budget, and the same question gives the same prompt."""
    from qa.prompts import passage_tokens

    fake_llm.enqueue("no", "no")
    first = ask(Q, seed_store.settings, seed_store, complete=fake_llm)
    again = ask(Q, seed_store.settings, seed_store, complete=fake_llm)
    assert fake_llm.history[0] == fake_llm.history[1]  # canonical order: the prompt cache is reused
    budget = seed_store.settings.evidence.tokens
    assert sum(passage_tokens(p) for p in first.passages) <= budget + 40
    text = seed_store.text(first.passages[0].article_id)
    for p in first.passages:
        assert text[p.start:p.end] == p.text
    assert any("1,000 arrests" in p.text for p in first.passages)
    assert [p.start for p in first.passages] == sorted(p.start for p in first.passages)
    assert again.passages == first.passages
    prompt = fake_llm.history[0][1]["content"]  # one article: its title and date given once
    assert prompt.count(first.passages[0].title) == 1 and len(first.passages) > 1
    assert '<passage n="2" same_article_as="1">' in prompt


def test_fake_llm_gate_decides_by_its_probability_against_the_threshold(seed_store, fake_llm):
    n = cite_n(seed_store, Q, "1,000 arrests")
    th = seed_store.settings.answer.gate_threshold
    fake_llm.enqueue_probability(th + 0.05).enqueue(f"It has led to more than 1,000 arrests [{n}].")
    ans = ask(Q, seed_store.settings, seed_store, complete=fake_llm)
    assert not ans.refused and ans.answerable == th + 0.05
    floor = seed_store.settings.answer.gate_floor
    fake_llm.enqueue_probability(floor - 0.05)  # below the floor (above it the draft decides)
    ans = ask(Q, seed_store.settings, seed_store, complete=fake_llm)
    assert ans.refused and f"P(yes) {floor - 0.05:.2f} below {floor:.2f}" in ans.sentences[0].reason


def test_fake_llm_direct_answer_comes_first_when_the_claims_support_it(seed_store, fake_llm):
    n = cite_n(seed_store, Q, "1,000 arrests")
    claim = f"Live facial recognition has led to more than 1,000 arrests [{n}]."
    fake_llm.enqueue("yes", f"Answer: more than 1,000\n{claim}")
    ans = ask(Q, seed_store.settings, seed_store, complete=fake_llm)
    assert ans.answer == "more than 1,000" and ans.text.startswith("more than 1,000. Live")
    assert ans.sentences[0].kind == "answer" and ans.sentences[0].shown

    fake_llm.enqueue("yes", f"Answer: Sadiq Khan\n{claim}")  # a name the cited passage lacks
    ans = ask(Q, seed_store.settings, seed_store, complete=fake_llm)
    assert ans.answer == "" and not ans.sentences[0].shown and "Khan" not in ans.text
    assert "1,000" in ans.text

    fake_llm.enqueue("yes", f"Answer: yes.\n{claim}")
    ans = ask("Has live facial recognition led to arrests?", seed_store.settings, seed_store,
              complete=fake_llm)
    assert ans.answer == "Yes" and ans.text.startswith("Yes. ")

    fake_llm.enqueue("yes", f"Answer: Yes\n{claim}")  # "Yes" to a how-many question: not shown
    ans = ask(Q, seed_store.settings, seed_store, complete=fake_llm)
    assert ans.answer == "" and ans.text.startswith("Live") and "yes/no" in ans.sentences[0].reason


def test_a_direct_answer_on_the_same_line_as_the_reasons_is_split_off():
    from qa.answer.direct import split_direct

    assert split_direct("Answer: 4 times a week. It is used four times a week [1].") == (
        "4 times a week.", "It is used four times a week [1].")
    assert split_direct("Answer: It is used four times a week [1]. More [2].") == (
        "", "It is used four times a week [1]. More [2].")  # cited: a claim, checked as one
    assert split_direct("Answer: 1,000") == ("1,000", "")  # still being written
    assert split_direct("Answer: Oct. 10, 2023. Deliveries stopped [1].") == (
        "Oct. 10, 2023.", "Deliveries stopped [1].")  # an abbreviation's stop is not the end
    assert split_direct("Answer: J. K. Rowling. She wrote it [1].")[0] == "J. K. Rowling."
    assert split_direct("Answer: No. It was not [1].")[0] == "No."
    assert split_direct("Answer: 80 officers are in the West End.\n\n[1] [2]") == (
        "", "80 officers are in the West End.\n\n[1] [2]")  # its citations follow it
    assert split_direct("The Met uses it [1].") == ("", "The Met uses it [1].")


def test_fake_llm_a_fragment_is_checked_by_the_rules_not_the_model(seed_store, fake_llm):
    """"More than 1,000 [n]." states no predicate to weigh: its number is the rules' to check."""
    n = cite_n(seed_store, Q, "1,000 arrests")
    fake_llm.enqueue_probability(0.9)  # the gate
    fake_llm.enqueue(f"More than 1,000 [{n}].")
    fake_llm.enqueue_probability(0.1, 0.1)  # would reject it, were the model asked
    ans = ask(Q, seed_store.settings, seed_store, complete=fake_llm)
    (s,) = ans.sentences
    assert s.supported and s.support is None and "fragment" in s.reason


def test_a_copied_sentence_needs_no_judge():
    from qa.check.support import copied

    cited = ["The pool cost 8 million pounds and has 26 lanes, the council said."]
    assert copied("The pool cost 8 million pounds and has 26 lanes, the council said.", cited)
    assert copied("the pool cost 8 million pounds and has 26 lanes", cited)
    assert not copied("The pool cost 26 million pounds and has 8 lanes.", cited)  # swapped
    assert not copied("", cited)


def test_fake_llm_a_yes_no_question_is_answered_by_its_p_yes_not_the_sampled_word(seed_store, fake_llm):
    """The direct answer Yes / No comes from the model's P(yes) over the evidence against the
    tuned threshold (qa.answer.verdict), is handed out before the reasons are written, and stands
    only beside a reason that passed its check: without one it is not shown, and the answer
    is a refusal saying why (never a bare "No.")."""
    q = "Has live facial recognition led to arrests?"
    th = seed_store.settings.answer.polar_threshold
    n = cite_n(seed_store, q, "1,000 arrests")
    claim = f"Live facial recognition has led to more than 1,000 arrests [{n}]."
    fake_llm.enqueue_probability(0.9, th + 0.1)  # the gate, the verdict; none for the check: rules
    fake_llm.enqueue(f"Answer: No\n{claim}")
    seen = []
    ans = ask(q, seed_store.settings, seed_store, complete=fake_llm, on_sentence=seen.append)
    assert ans.answer == "Yes" and ans.text.startswith("Yes. Live")
    assert seen[0].kind == "answer" and seen[0].text == "Yes." and seen[1].text.startswith("Live")
    assert f"P(yes) {th + 0.1:.2f} at or above {th:.2f}" in ans.sentences[0].reason

    fake_llm.enqueue_probability(0.9, th - 0.1)
    fake_llm.enqueue("Answer: Yes\nIt led to 5,000 arrests [1].")  # the reason fails its check
    seen = []
    ans = ask(q, seed_store.settings, seed_store, complete=fake_llm, on_sentence=seen.append)
    assert ans.refused and ans.answer == "" and seen == [] and not ans.text.startswith("No")
    assert "the verdict 'No'" in ans.sentences[0].reason and "not shown without" in ans.sentences[0].reason
    assert "5,000" not in ans.text


def test_fake_llm_a_question_joining_claims_is_yes_only_when_each_holds(seed_store, fake_llm):
    from qa.answer.verdict import parts

    q = ("Did the Met say live facial recognition led to more than 1,000 arrests, while Liberty "
         "said the technology should be banned?")
    assert parts(q) == ["Did the Met say live facial recognition led to more than 1,000 arrests",
                        "Liberty said the technology should be banned"]
    assert parts("Does the Met have powers to reduce the number of protests?") == []
    settings = seed_store.settings.model_copy(deep=True)
    settings.answer.polar_parts = True  # off by default (docs/verdict.md)
    th = settings.answer.polar_threshold
    fake_llm.enqueue_probability(0.9, th + 0.2, th + 0.2, th - 0.2)  # gate, whole, part 1, part 2
    fake_llm.enqueue("Answer: Yes\nThe Met said so.")
    ans = ask(q, settings, seed_store, complete=fake_llm)
    assert ans.answer == "No" and "the least of its 2 parts" in ans.sentences[0].reason
    assert "Liberty said the technology" in fake_llm.history[-2][-1]["content"]


def test_fake_llm_a_choice_between_opposites_is_answered_with_the_word_that_holds(seed_store, fake_llm):
    """"... consistent or inconsistent?" is asked of "consistent" alone; the answer is the word."""
    q = "Has the Met's plan for live facial recognition remained consistent or inconsistent?"
    th = seed_store.settings.answer.polar_threshold
    n = cite_n(seed_store, q, "double its use")
    fake_llm.enqueue_probability(0.9, th - 0.2)  # the gate, the verdict
    fake_llm.enqueue(f"Answer: Yes\nThe Met will double its use of live facial recognition technology [{n}].")
    ans = ask(q, seed_store.settings, seed_store, complete=fake_llm)
    assert ans.answer == "Inconsistent" and ans.text.startswith("Inconsistent.")
    assert f"P(consistent) {th - 0.2:.2f} below {th:.2f}" in ans.sentences[0].reason
    assert "remained consistent?" in fake_llm.history[1][-1]["content"]
    assert "inconsistent" not in fake_llm.history[1][-1]["content"]


def test_fake_llm_local_model_sentences_are_shown_one_by_one_as_each_passes_its_check(seed_store, fake_llm):
    """The local model is asked about the sentences only once its draft is done; the first is
    shown as soon as its own P(yes) is read, before the model is asked about the second."""
    settings = seed_store.settings.model_copy(deep=True)
    settings.model = "local/qwen2.5-coder-1.5b"
    n = cite_n(seed_store, Q, "1,000 arrests", settings)
    fake_llm.enqueue(f"The Met said live facial recognition had led to more than 1,000 arrests [{n}]. "
                     f"Charges or cautions followed in 773 of those cases [{n}].")
    fake_llm.enqueue_probability(0.9, 0.9, 0.9)  # the gate, the first claim, the second
    events: list[str] = []
    scorer = fake_llm.yes_probability
    fake_llm.yes_probability = lambda s, m: events.append("asked: " + m[-1]["content"][-200:]) or scorer(s, m)
    ans = ask(Q, settings, seed_store, complete=fake_llm,
              on_sentence=lambda s: events.append("shown: " + s.text))
    assert [s.supported for s in ans.sentences] == [True, True] and ans.checked_by == "rules+model"
    shown = [i for i, e in enumerate(events) if e.startswith("shown")]
    asked_second = [i for i, e in enumerate(events) if e.startswith("asked") and "773" in e]
    assert len(shown) == 2 and "1,000" in events[shown[0]] and shown[0] < asked_second[0] < shown[1]


def test_fake_llm_local_model_a_sentence_the_rules_settle_is_shown_while_the_model_still_writes(
        seed_store, fake_llm):
    """A sentence copied word for word from what it cites needs no P(yes): with the local
    model it is shown as soon as the next one begins, before the draft is done; a sentence the
    model must weigh waits for the draft, then its own check."""
    settings = seed_store.settings.model_copy(deep=True)
    settings.model = "local/qwen2.5-coder-1.5b"
    n = cite_n(seed_store, Q, "1,000 arrests", settings)
    copy = ("The Met revealed that live facial recognition has already led to more than 1,000 "
            "arrests, with 773 resulting in charges or cautions")
    fake_llm.enqueue(f"{copy} [{n}]. Most of those arrested were charged or cautioned [{n}].")
    fake_llm.enqueue_probability(0.9, 0.9)  # the gate, the second claim
    events: list[str] = []
    scorer = fake_llm.yes_probability

    def writing(settings, messages, **kw):
        yield from fake_llm(settings, messages, **kw)
        events.append("written")

    writing.yes_probability = lambda s, m: events.append("asked") or scorer(s, m)  # type: ignore[attr-defined]
    ans = ask(Q, settings, seed_store, complete=writing, on_sentence=lambda s: events.append(s.text[:8]))
    assert [s.supported for s in ans.sentences] == [True, True] and ans.checked_by == "rules+model"
    assert events == ["asked", "The Met ", "written", "asked", "Most of "], events
    assert "word for word" in ans.sentences[0].reason and ans.sentences[1].support == 0.9


def test_fake_llm_a_reason_written_twice_is_shown_once(seed_store, fake_llm):
    """The model wrote its one reason twice, and the same words as its direct answer: the
    answer shows it once, the repeat kept (not shown) with why, and streams it once."""
    n = cite_n(seed_store, Q, "1,000 arrests")
    once = "Live facial recognition has led to more than 1,000 arrests"
    fake_llm.enqueue("yes", f"Answer: {once}.\n{once} [{n}]. {once} [{n}].")
    streamed = []
    ans = ask(Q, seed_store.settings, seed_store, complete=fake_llm, on_sentence=streamed.append)
    assert ans.text.count("1,000 arrests") == 1 and [s.text for s in streamed] == [f"{once}."]
    direct, first, second = ans.sentences
    assert not direct.shown and first.shown and not second.shown
    assert second.reason == "repeats sentence 1" and first.reason != second.reason


def test_fake_llm_a_rejected_restatement_gives_way_to_the_passage_sentence_it_restates(seed_store, fake_llm):
    """Every claim failed, but one restated a passage sentence: that sentence is shown, word
    for word and cited, instead of a refusal. A claim with a figure of its own is not."""
    q = "How many civilian staff will the Met lose?"
    n = cite_n(seed_store, q, "300 civilian staff")
    fake_llm.enqueue_probability(0.9)  # the gate
    fake_llm.enqueue(f"Answer: 300\n300 civilian staff will be lost [{n}].")
    fake_llm.enqueue_probability(0.3)  # the model doubts the claim ("around" dropped)
    shown = []
    ans = ask(q, seed_store.settings, seed_store, complete=fake_llm, on_sentence=shown.append)
    source = ("The expansion comes as the Met faces a £260 million funding shortfall, leading "
              "to the loss of around 1,400 officers and 300 civilian staff.")
    assert not ans.refused and ans.answer == "300"
    assert ans.text == f"300. {source[:-1]} [{n}]."
    (c,) = ans.citations
    assert c.quote == source == seed_store.text(c.article_id)[c.start:c.end]
    rejected, quote = ans.sentences[1:]
    assert not rejected.shown and "P(yes) 0.30" in rejected.reason
    assert quote.shown and "word for word" in quote.reason and shown[-1] is quote

    for draft in (f"It will lose 400 civilian staff [{n}].", f"200% [{n}]."):
        fake_llm.enqueue_probability(0.9).enqueue(draft)
        ans = ask(q, seed_store.settings, seed_store, complete=fake_llm)
        assert ans.refused, draft


def test_fake_llm_a_claim_saying_otherwise_does_not_give_way_to_the_passage(seed_store, fake_llm):
    """A claim the rules found saying something else than its passage (a negation it lacks, or
    words given to a speaker it does not name) is not a restatement: the passage's sentence,
    which answers something else, is not shown in its place."""
    q = "What did Sir Mark say about the West End?"
    n = cite_n(seed_store, q, "£50 billion")
    for draft in (f"The West End does not generate £50 billion for the UK economy [{n}].",
                  f"Boris Johnson said the West End generates £50 billion for the UK economy [{n}]."):
        fake_llm.enqueue_probability(0.9).enqueue(draft)
        ans = ask(q, seed_store.settings, seed_store, complete=fake_llm)
        assert ans.refused, (draft, ans.text)


def test_a_score_just_under_its_threshold_does_not_read_as_the_threshold():
    from qa.check.cite import against

    assert against("P(yes)", 0.43, 0.5) == "P(yes) 0.43 below 0.50"
    assert against("P(yes)", 0.496, 0.5) == "P(yes) 0.496 below 0.50"  # not "0.50 below 0.50"


def test_fake_llm_an_unsure_gate_lets_only_the_drafts_own_checked_sentences_answer(seed_store, fake_llm):
    """From the gate's floor up to its threshold the draft decides: a claim that passes its
    check answers; a rejected restatement does not give way to the passage sentence, and a
    yes/no verdict without a checked reason is not shown (nor streamed); below the floor the
    gate refuses without drafting."""
    th = seed_store.settings.answer.gate_threshold
    s = seed_store.settings.model_copy(update={"answer": seed_store.settings.answer.model_copy(
        update={"gate_floor": th - 0.2})})
    n = cite_n(seed_store, Q, "1,000 arrests")
    fake_llm.enqueue_probability(th - 0.1).enqueue(f"It has led to more than 1,000 arrests [{n}].")
    ans = ask(Q, s, seed_store, complete=fake_llm)
    assert not ans.refused and ans.answerable == th - 0.1 and "1,000 arrests" in ans.text

    q = "How many civilian staff will the Met lose?"
    m = cite_n(seed_store, q, "300 civilian staff")
    fake_llm.enqueue_probability(th - 0.1).enqueue(f"Answer: 300\n300 civilian staff will be lost [{m}].")
    fake_llm.enqueue_probability(0.3)  # the check rejects the claim (as in the test above)
    ans = ask(q, s, seed_store, complete=fake_llm)
    assert ans.refused and "may not answer it" in ans.sentences[0].reason
    assert "word for word" not in " ".join(x.reason for x in ans.sentences)

    polar = "Has live facial recognition led to arrests?"
    fake_llm.enqueue_probability(th - 0.1, 0.9).enqueue("Answer: Yes\nIt led to 5,000 arrests [1].")
    seen = []
    ans = ask(polar, s, seed_store, complete=fake_llm, on_sentence=seen.append)
    assert ans.refused and not seen and "5,000" in ans.sentences[1].text

    fake_llm.enqueue_probability(th - 0.3)  # below the floor: nothing else is asked
    ans = ask(Q, s, seed_store, complete=fake_llm)
    assert ans.refused and "do not answer it" in ans.sentences[0].reason
    assert not fake_llm.replies and not fake_llm.probabilities


def test_a_gate_floor_above_the_threshold_is_an_error_naming_both(monkeypatch):
    from qa.config import Settings

    monkeypatch.setenv("QA_ANSWER__GATE_FLOOR", "0.7")
    with pytest.raises(ValidationError, match=r"gate_floor \(0.7\) is above answer.gate_threshold"):
        Settings()
    monkeypatch.setenv("QA_ANSWER__GATE_FLOOR", "null")  # no floor: the threshold alone decides
    assert Settings().answer.gate_floor is None


def test_fake_llm_a_follow_up_after_a_refusal_is_rewritten_without_the_refusals_text(seed_store, fake_llm):
    """After a refusal, the rewrite reads the turn as unanswered (not its searched-for text and
    closest passages, which pulled 'and what did they say exactly?' to an earlier topic)."""
    from qa.answer.followup import standalone_question

    refused = f"{REFUSAL} Searched 1 article, for “who criticised the plan”."
    fake_llm.enqueue("What did the critics of the plan say exactly?")
    out = standalone_question("and what did they say exactly?",
                              [("how big is the funding gap", "£260 million [1]."),
                               ("who criticised the plan", refused)], seed_store.settings, fake_llm)
    prompt = fake_llm.history[-1][0]["content"]
    assert out == "What did the critics of the plan say exactly?"
    assert "User: who criticised the plan\nAssistant: (the articles did not answer this question)" in prompt
    assert "Searched" not in prompt and "latest question" in prompt


def test_fake_llm_a_streamed_verdict_waits_for_its_first_checked_cited_reason(seed_store, fake_llm):
    """The verdict is decided before the draft, but handed out only just before the first
    sentence that backs it: a gap or a rejected sentence before it does not release it."""
    q = "Has live facial recognition led to arrests?"
    th = seed_store.settings.answer.polar_threshold
    n = cite_n(seed_store, q, "1,000 arrests")
    fake_llm.enqueue_probability(0.9, th + 0.1)
    fake_llm.enqueue(f"Answer: Yes\nIt led to 5,000 arrests [{n}]. The articles don't say how many were "
                     f"convicted. Live facial recognition has led to more than 1,000 arrests [{n}].")
    seen: list = []
    ans = ask(q, seed_store.settings, seed_store, complete=fake_llm, on_sentence=seen.append)
    kinds = [(s.kind, s.text[:12]) for s in seen]
    assert kinds[0][0] == "gap" and kinds[1] == ("answer", "Yes.") and kinds[2][1] == "Live facial "
    assert ans.answer == "Yes" and not any("5,000" in s.text for s in seen)


def test_fake_llm_below_the_floor_a_passage_alone_can_send_the_question_to_the_draft(seed_store, fake_llm):
    """The second look (qa.answer.gate.second_look): each evidence passage asked alone."""
    n = cite_n(seed_store, Q, "1,000 arrests")
    on = seed_store.settings.model_copy(deep=True)
    on.answer.gate_passage = 0.5
    a = on.answer
    below, alone = a.gate_floor - 0.05, a.gate_passage + 0.05
    fake_llm.enqueue_probability(below, alone).enqueue(f"It has led to more than 1,000 arrests [{n}].")
    ans = ask(Q, on, seed_store, complete=fake_llm)
    assert not ans.refused and "1,000 arrests" in ans.text and ans.answerable == below
    one_passage = fake_llm.history[1][1]["content"]
    assert one_passage.count("<passage ") == 1  # the second look asked about one passage

    fake_llm.enqueue_probability(below, *[a.gate_passage - 0.05] * 8)  # no passage alone either
    ans = ask(Q, on, seed_store, complete=fake_llm)
    assert ans.refused and f"P(yes) {below:.2f} below {a.gate_floor:.2f}" in ans.sentences[0].reason
    fake_llm.probabilities.clear()
    fake_llm.enqueue_probability(below, alone)
    assert ask(Q, seed_store.settings, seed_store, complete=fake_llm).refused  # off by default


def test_fake_llm_a_direct_figure_whose_reasons_failed_is_shown_with_its_sentence(seed_store, fake_llm):
    """The model's direct answer gives the right figure but its only reason echoes the
    question: the passage sentence holding the figure is shown as the reason, word for word
    and cited, instead of a refusal. A figure no passage holds, or a small one, finds none."""
    q = "What budget gap is the Metropolitan Police dealing with?"
    n = cite_n(seed_store, q, "£260 million")
    fake_llm.enqueue_probability(0.9)  # the gate
    fake_llm.enqueue(f"Answer: £260 million\n\nThe budget gap is the Metropolitan Police dealing with [{n}].")
    shown = []
    ans = ask(q, seed_store.settings, seed_store, complete=fake_llm, on_sentence=shown.append)
    assert not ans.refused and ans.answer == "£260 million", ans.sentences
    (c,) = ans.citations
    assert "£260 million funding shortfall" in c.quote == seed_store.text(c.article_id)[c.start:c.end]
    quote = ans.sentences[-1]
    assert quote.shown and "holding the direct answer's figure" in quote.reason and shown[-1] is quote
    assert ans.text.startswith("£260 million. The expansion comes as the Met faces")

    for said in ("£480 million", "2"):
        fake_llm.enqueue_probability(0.9).enqueue(
            f"Answer: {said}\n\nThe budget gap is the Metropolitan Police dealing with [{n}].")
        assert ask(q, seed_store.settings, seed_store, complete=fake_llm).refused, said


def test_fake_llm_before_refusing_the_closest_sentence_the_model_judges_alone_is_quoted_as_the_answer(
        seed_store, fake_llm):
    """The gate refuses (P(yes) 0.2), but the closest sentence holds the question's words and
    the model, reading it alone, says it states the answer: it is shown, char-exact and cited,
    with no words of the model's (qa.answer.quoted)."""
    fake_llm.enqueue_probability(0.2, 0.9)
    q = "How many officers and staff does the Met employ?"
    ans = ask(q, seed_store.settings, seed_store, complete=fake_llm)
    assert not ans.refused and ans.answer == ""
    assert [s.text for s in ans.sentences] == [ans.citations[0].quote]
    c = ans.citations[0]
    assert "33,000 officers" in c.quote and seed_store.text(c.article_id)[c.start:c.end] == c.quote
    assert ans.text == f"{c.quote.rstrip('.')} [{c.n}]."
    assert "without it qa would refuse: the passages do not answer it" in ans.sentences[0].reason
    assert 'Sentence from a news article: "' in fake_llm.history[-1][-1]["content"]


def test_fake_llm_a_closest_sentence_the_model_doubts_leaves_the_refusal(seed_store, fake_llm):
    fake_llm.enqueue_probability(0.2, 0.3)
    ans = ask("How many officers and staff does the Met employ?", seed_store.settings, seed_store,
              complete=fake_llm)
    assert ans.refused and ans.citations == [] and ans.text.startswith(REFUSAL)
    assert len(fake_llm.history) == 2  # the gate, then the one sentence holding the question's words
