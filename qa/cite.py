"""Citations: parse [n] markers, split answers into sentences, and check each sentence
against the passages it cites; narrow each citation to the sentences that support it.

The check, per sentence, in order (the first failure is the reason):
1. it cites something (a factual sentence without a citation is unsupported);
2. every number in it occurs in the cited passages (values compared: "£260m" = "£260 million");
3. every quotation in it occurs verbatim in them (whitespace and quote style aside);
4. every name in it (capitalised words) occurs in them;
5. its semantic support score (best cosine to a cited sentence, blended with content-word
   overlap) reaches the calibrated threshold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.chunking import split_sentences
from qa.models import Citation, Passage, Sentence
from qa.numbers import number_values

# [1], [1, 2], [1][2], [^1], 【1】, [Passage 1], (1)
_MARKER = re.compile(
    r"\s*(?:\[\^?\s*(?:passages?|sources?|docs?)?\s*(?P<a>\d+(?:\s*[,;]\s*\d+)*)\s*\]"
    r"|【\s*(?P<b>\d+(?:\s*[,;]\s*\d+)*)\s*】|\((?P<c>\d{1,2})\)(?=[\s.,;:!?]|$))",
    re.IGNORECASE,
)
_LITERAL_N = re.compile(r"\s*\[n\]", re.IGNORECASE)
_MOVE_BEFORE_STOP = re.compile(r"([.!?])((?:[ \t]*(?:\[[^\]\n]{1,20}\]|【[^】\n]{1,20}】))+)")
_QUOTE = re.compile(r"[\"“”]([^\"“”]{12,})[\"“”]")
_NAME = re.compile(r"\b[A-Z][a-zA-Z'’\-]+(?:\s+(?:[A-Z][a-zA-Z'’\-]+|of|de|van|von))*")
_WORD = re.compile(r"[a-z0-9]+")
_NOT_NAMES = {
    "the", "a", "an", "this", "that", "these", "those", "it", "its", "he", "she", "they", "we",
    "i", "in", "on", "at", "as", "by", "for", "from", "with", "and", "but", "or", "so", "if",
    "according", "however", "also", "yes", "no", "there", "their", "his", "her", "our", "after",
    "before", "while", "when", "what", "which", "who", "why", "how", "both", "each", "all",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "mr", "mrs", "ms", "dr", "sir", "passage", "passages", "article",
    "articles", "source", "sources", "currently", "additionally", "overall", "meanwhile",
}
_STOP = _NOT_NAMES | {"is", "are", "was", "were", "be", "been", "has", "have", "had", "of",
                      "to", "said", "says", "will", "would", "can", "could", "not", "than",
                      "more", "over", "up", "about", "into", "out", "s", "t"}
_NEGATION = re.compile(
    r"\b(not|no|never|none|nobody|nothing|neither|nor|without|cannot|stop|stops|stopped|"
    r"halt|halted|scrap|scrapped|abandon|abandoned|ban|banned|deny|denied|denies)\b|n't\b",
    re.IGNORECASE)
_SPEECH = re.compile(r"\b(said|says|say|told|added|explained|described|called|warned|argued|"
                     r"claimed|stated|according to|quoted)\b", re.IGNORECASE)
REFUSAL_PATTERNS = re.compile(
    r"(the (articles|passages|sources) (don'?t|do not|does not|doesn'?t) (say|mention|contain|"
    r"provide|specify|state)|i (don'?t|do not) know|cannot (answer|be answered|find)|"
    r"(no|not enough) information|not (mentioned|stated|specified|provided) in the)",
    re.IGNORECASE,
)


def parse_markers(text: str, n_passages: int) -> tuple[str, list[int], int]:
    """Strip citation markers from text: (clean text, valid ids in order, dropped count)."""
    ids: list[int] = []
    dropped = len(_LITERAL_N.findall(text))
    text = _LITERAL_N.sub("", text)

    def take(m: re.Match) -> str:
        nonlocal dropped
        group = m.group("a") or m.group("b") or m.group("c")
        for part in re.split(r"[,;]", group):
            n = int(part)
            if 1 <= n <= n_passages:
                if n not in ids:
                    ids.append(n)
            elif m.group("c") is None:
                dropped += 1
        return "" if (m.group("c") is None or 1 <= int(group) <= n_passages) else m.group(0)

    clean = _MARKER.sub(take, text)
    clean = re.sub(r"\s+([.,;:!?])", r"\1", clean)
    return " ".join(clean.split()), ids, dropped


def split_answer(text: str, n_passages: int) -> tuple[list[Sentence], int]:
    """Sentences of an answer with their citations. Markers after a full stop belong to the
    sentence before it, unless the answer puts them first ("[1] A. [2] B.")."""
    text = text.strip()
    if not _MARKER.match(text):
        text = _MOVE_BEFORE_STOP.sub(r"\2\1", text)
    sentences: list[Sentence] = []
    dropped = 0
    for start, end in split_sentences(text):
        clean, ids, d = parse_markers(text[start:end], n_passages)
        dropped += d
        if not clean.strip(" .,;:"):
            if ids and sentences:  # a bare "[2]." line belongs to the sentence before
                sentences[-1].citations += [i for i in ids if i not in sentences[-1].citations]
            continue
        sentences.append(Sentence(text=clean, citations=ids))
    return sentences, dropped


def is_refusal(text: str) -> bool:
    return bool(REFUSAL_PATTERNS.search(text))


def _norm(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


def names_in(text: str) -> list[str]:
    """Capitalised word runs that look like names of people, places or organisations."""
    names = []
    for m in _NAME.finditer(text):
        words = [w for w in m.group(0).split() if w.lower() not in _NOT_NAMES]
        if not words:
            continue
        at_start = m.start() == 0 or text[:m.start()].rstrip().endswith((".", '"', "“", ":"))
        if at_start and len(m.group(0).split()) == 1:
            continue  # a capital because it starts the sentence
        names.append(" ".join(words))
    return names


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1}


def overlap(sentence: str, evidence: str) -> float:
    words = content_words(sentence)
    return len(words & content_words(evidence)) / len(words) if words else 1.0


def hard_checks(sentence: str, evidence: str) -> str | None:
    """The first rule the sentence breaks against the evidence text, or None."""
    ev_numbers = number_values(evidence)
    for value in number_values(sentence):
        if value not in ev_numbers:
            return f"number {value:g} is not in the cited passages"
    ev = _norm(evidence)
    for q in _QUOTE.findall(sentence):
        if _norm(q).strip(" .,") not in ev:
            return f"quotation not found verbatim: \"{q[:60]}\""
    ev_words = set(_WORD.findall(ev))
    for name in names_in(sentence):
        missing = [w for w in _WORD.findall(name.lower()) if w not in ev_words]
        if missing:
            return f"name '{name}' is not in the cited passages"
    return None


def aligned_checks(sentence: str, best: str, context: str) -> str | None:
    """Rules against the one evidence sentence that best supports the claim (and, for who
    said it, the sentences just before it): negation must agree, and a claim that someone
    said something must name the speaker of that evidence."""
    if bool(_NEGATION.search(sentence)) != bool(_NEGATION.search(best)):
        return "negation differs from the cited sentence"
    if _SPEECH.search(sentence) or _QUOTE.search(sentence):
        ctx_words = set(_WORD.findall(_norm(context)))
        for name in names_in(sentence):
            if not set(_WORD.findall(name.lower())) & ctx_words:
                return f"the cited words are not attributed to '{name}'"
    return None


def support_score(sentence_vec, evidence_vecs, sentence: str, evidence: Sequence[str]) -> tuple[float, int]:
    """Best (score, index) over evidence sentences: cosine blended with word overlap."""
    best, best_i = -1.0, 0
    for i, (vec, text) in enumerate(zip(evidence_vecs, evidence)):
        score = 0.5 * float(vec @ sentence_vec) + 0.5 * overlap(sentence, text)
        if score > best:
            best, best_i = score, i
    return best, best_i


def check_sentences(sentences: list[Sentence], passages: list[Passage], article_texts: dict[str, str],
                    threshold: float) -> list[Citation]:
    """Mark each sentence supported or not (with a reason), in place; return the citations,
    each narrowed to the article sentences that best support the sentences citing it."""
    from qa.embed import embed_batch

    # every sentence of every cited passage, with its span in the article
    spans: dict[int, list[tuple[int, int]]] = {}
    for n, p in enumerate(passages, 1):
        text = article_texts[p.article_id]
        spans[n] = split_sentences(text, p.start, p.end) or [(p.start, p.end)]
    cited = sorted({n for s in sentences for n in s.citations})
    flat = [(n, s, e) for n in cited for s, e in spans[n]]
    vecs = embed_batch([s.text for s in sentences] + [
        article_texts[passages[n - 1].article_id][s:e] for n, s, e in flat])
    sent_vecs, ev_vecs = vecs[:len(sentences)], vecs[len(sentences):]
    chosen: dict[int, list[tuple[int, int]]] = {}
    for i, sent in enumerate(sentences):
        if not sent.citations:
            sent.supported, sent.reason = False, "no citation"
            continue
        rows = [j for j, (n, _, _) in enumerate(flat) if n in sent.citations]
        texts = [article_texts[passages[flat[j][0] - 1].article_id][flat[j][1]:flat[j][2]]
                 for j in rows]
        evidence = " ".join(passages[n - 1].text for n in sent.citations)
        score, best = support_score(sent_vecs[i], ev_vecs[rows], sent.text, texts)
        n_best, b_start, b_end = flat[rows[best]]
        article = article_texts[passages[n_best - 1].article_id]
        before = [sp for sp in split_sentences(article, max(0, b_start - 600), b_start)][-2:]
        context = article[before[0][0] if before else b_start:b_end]
        problem = hard_checks(sent.text, evidence) or aligned_checks(sent.text, texts[best], context)
        if problem:
            sent.supported, sent.reason = False, problem
        elif score < threshold:
            sent.supported = False
            sent.reason = f"support score {score:.2f} below {threshold:.2f}"
        else:
            sent.supported, sent.reason = True, f"support score {score:.2f}"
        # each cited passage points at its own best sentence for this claim
        for n in sent.citations:
            mine = [k for k, j in enumerate(rows) if flat[j][0] == n]
            k = max(mine, key=lambda k: 0.5 * float(ev_vecs[rows[k]] @ sent_vecs[i])
                    + 0.5 * overlap(sent.text, texts[k]))
            chosen.setdefault(n, []).append(flat[rows[k]][1:])
    citations = []
    for n in cited:
        p = passages[n - 1]
        start = min(s for s, _ in chosen[n])
        end = max(e for _, e in chosen[n])
        citations.append(Citation(n=n, chunk_id=p.chunk_id, article_id=p.article_id,
                                  title=p.title, source=p.source, published_at=p.published_at,
                                  start=start, end=end,
                                  quote=article_texts[p.article_id][start:end]))
    return citations
