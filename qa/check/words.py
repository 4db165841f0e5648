"""Words as the checks compare them: lower case and straight quotes (`norm`), the content
words of a text (names' filler words and the commonest function words aside), their overlap,
and crude stems that match a word across tenses."""

from __future__ import annotations

import re

__all__ = ["NOT_NAMES", "STOP", "WORD", "content_words", "norm", "overlap", "stems"]

WORD = re.compile(r"[a-z0-9]+")
NOT_NAMES = {
    "the", "a", "an", "this", "that", "these", "those", "it", "its", "he", "she", "they", "we",
    "i", "in", "on", "at", "as", "by", "for", "from", "with", "and", "but", "or", "so", "if",
    "according", "however", "also", "yes", "no", "there", "their", "his", "her", "our", "after",
    "before", "while", "when", "what", "which", "who", "why", "how", "both", "each", "all",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "mr", "mrs", "ms", "dr", "sir", "passage", "passages", "article",
    "articles", "source", "sources", "currently", "additionally", "overall", "meanwhile",
}
STOP = NOT_NAMES | {"is", "are", "was", "were", "be", "been", "has", "have", "had", "of",
                    "to", "said", "says", "will", "would", "can", "could", "not", "than",
                    "more", "over", "up", "about", "into", "out", "s", "t"}


def norm(text: str) -> str:
    """Lower case, straight quotes, single spaces: text as the rules compare it."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


def content_words(text: str) -> set[str]:
    """The words of text that carry its content, lower case."""
    return {w for w in WORD.findall(text.lower()) if w not in STOP and len(w) > 1}


def overlap(sentence: str, evidence: str) -> float:
    """The share of the sentence's content words that the evidence holds (1.0 for none)."""
    words = content_words(sentence)
    return len(words & content_words(evidence)) / len(words) if words else 1.0


def stems(text: str) -> set[str]:
    """The content words of text, stemmed."""
    return {_stem(w) for w in content_words(text)}


def _stem(word: str) -> str:
    """"plays", "played", "playing" -> "play": enough to match a word across tenses."""
    return re.sub(r"(?:ing|ed|es|s)$", "", word) if len(word) > 4 else word
