"""Sentences and chunks with exact character spans: `text[start:end]` is always the piece."""

from __future__ import annotations

import hashlib
import re

from qa.config import ChunkingSettings
from qa.models import Chunk, Passage

# Words that end in a period without ending the sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "gen", "gov", "sen", "rep", "lt", "col",
    "sgt", "capt", "rev", "hon", "inc", "ltd", "co", "corp", "vs", "etc", "no", "fig", "jan",
    "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "e.g", "i.e",
    "u.s", "u.k", "u.n", "a.m", "p.m", "approx", "est", "dept", "mt", "ft",
}
# A candidate boundary: end punctuation, optional closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_BREAK = re.compile(r"\n\s*\n|\n")  # paragraph or line break
_WORD = re.compile(r"\S+")
MAX_SENTENCE_WORDS = 150


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences of text[start:end], whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for brk in _BREAK.finditer(text, start, end):
        spans += _split_block(text, pos, brk.start())
        pos = brk.end()
    spans += _split_block(text, pos, end)
    return [piece for s in spans for piece in _cap_length(text, *s)]


def passage_sentences(passages: list[Passage], texts: dict[str, str]) -> list[tuple[int, int, int]]:
    """(passage number from 1, start, end) of each passage's sentences in its article's text,
    in passage order; a passage with no sentence boundary is one span, whole."""
    return [(n, s, e) for n, p in enumerate(passages, 1)
            for s, e in split_sentences(texts[p.article_id], p.start, p.end) or [(p.start, p.end)]]


def _split_block(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A paragraph's sentences. In a paragraph with no capital letter at all (text lower-cased
    by whoever published it), a capital cannot mark the next sentence: a stop before any word
    ends one, unless it ends an abbreviation."""
    spans = []
    pos = start
    caseless = not any(c.isupper() for c in text[start:end])
    for m in _BOUNDARY.finditer(text, start, end):
        if _is_abbreviation(text, pos, m.start()):
            continue
        if not (_next_starts_sentence(text, m.end(), end) or caseless and text[m.end():end].strip()):
            continue
        spans.append((pos, m.end()))
        pos = m.end()
    spans.append((pos, end))
    return [t for s in spans if (t := _trim(text, *s))[0] < t[1]]


def _is_abbreviation(text: str, sent_start: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word = text[sent_start:dot].rsplit(None, 1)[-1] if text[sent_start:dot].strip() else ""
    word = word.lstrip("(\"'“‘").lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _next_starts_sentence(text: str, pos: int, end: int) -> bool:
    rest = text[pos:end].lstrip()
    return bool(rest) and (rest[0].isupper() or rest[0].isdigit() or rest[0] in "\"'“‘([*£$€【")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cap_length(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a run-on 'sentence' (a 5 MB line, a table) into pieces of at most MAX words."""
    words = list(_WORD.finditer(text, start, end))
    if len(words) <= MAX_SENTENCE_WORDS:
        return [(start, end)]
    return [(words[i].start(), words[min(i + MAX_SENTENCE_WORDS, len(words)) - 1].end())
            for i in range(0, len(words), MAX_SENTENCE_WORDS)]


def chunk_article(article_id: str, text: str, settings: ChunkingSettings) -> list[Chunk]:
    """Group whole sentences into chunks of about `target_words`, overlapping by sentences."""
    sentences = split_sentences(text)
    sizes = [len(_WORD.findall(text, s, e)) for s, e in sentences]
    chunks: list[Chunk] = []
    i = 0
    while i < len(sentences):
        j, words = i, 0
        while j < len(sentences) and (j == i or words + sizes[j] <= settings.target_words):
            words += sizes[j]
            j += 1
        start, end = sentences[i][0], sentences[j - 1][1]
        chunks.append(Chunk(
            id=_chunk_id(article_id, start, end), article_id=article_id, index=len(chunks),
            start=start, end=end, text=text[start:end],
        ))
        if j >= len(sentences):
            break
        i = max(j - settings.overlap_sentences, i + 1)
    return chunks


def _chunk_id(article_id: str, start: int, end: int) -> str:
    return f"{article_id}:{start}-{end}"


def content_hash(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()[:16]
