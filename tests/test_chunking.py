import json

import pytest

from qa.config import ChunkingSettings
from qa.index.chunking import chunk_article, split_sentences
from qa.ingest.files import load_file

from .conftest import MULTIHOP, SEEDS


@pytest.mark.parametrize("text, expected", [
    ("One thing. Another thing.", ["One thing.", "Another thing."]),
    ("Mr. Smith went to Washington. He stayed.", ["Mr. Smith went to Washington.", "He stayed."]),
    ("The U.S. economy grew. Prices fell.", ["The U.S. economy grew.", "Prices fell."]),
    ('He said, "It works." Then he left.', ['He said, "It works."', "Then he left."]),
    ("Laws are permissive... but crime rose.", ["Laws are permissive... but crime rose."]),
    ("Headline\n\nBody starts here. Ends here!", ["Headline", "Body starts here.", "Ends here!"]),
    ("Revenue was 3.5 billion. Up 2.1%.", ["Revenue was 3.5 billion.", "Up 2.1%."]),
    ("J. K. Rowling wrote it. Yes.", ["J. K. Rowling wrote it.", "Yes."]),
    ("", []),
])
def test_split_sentences(text, expected):
    assert [text[s:e] for s, e in split_sentences(text)] == expected


def test_long_run_on_sentence_is_cut_into_pieces():
    text = "word " * 1000
    spans = split_sentences(text)
    assert len(spans) == 7 and all(len(text[s:e].split()) <= 150 for s, e in spans)


def _check_chunks(text, settings):
    chunks = chunk_article("a", text, settings)
    for c in chunks:
        assert text[c.start:c.end] == c.text
        assert len(c.text.split()) <= max(settings.target_words, 150)
    covered = {i for c in chunks for i in range(c.start, c.end)}
    for s, _ in split_sentences(text):  # every sentence lands in some chunk
        assert s in covered
    return chunks


@pytest.mark.parametrize("settings", [ChunkingSettings(), ChunkingSettings(target_words=40,
                                                                            overlap_sentences=2)])
def test_seed_chunks_are_exact_spans(settings):
    for f in SEEDS.iterdir():
        (article,) = load_file(f)
        chunks = _check_chunks(article.text, settings)
        assert len(chunks) >= 2


def test_dev_corpus_chunks_are_exact_spans():
    n = 0
    for line in (MULTIHOP / "articles.jsonl").open():
        n += len(_check_chunks(json.loads(line)["text"].strip(), ChunkingSettings()))
    assert n > 326


def test_a_paragraph_with_no_capital_letter_is_split_at_its_stops():
    """Text lower-cased by its publisher (XSum's BBC articles): no capital can mark the next
    sentence, so a stop before a word ends one, unless it ends an abbreviation; a paragraph
    with capitals keeps the capital rule."""
    text = "the watchdog took apple to court. it said e.g. the ipad was sold. mr smith agreed."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "the watchdog took apple to court.", "it said e.g. the ipad was sold.", "mr smith agreed."]
    cased = "He went to the U.K. office. it was late."
    assert [cased[s:e] for s, e in split_sentences(cased)] == [cased]
