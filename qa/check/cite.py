"""Citations: parse [n] markers, split answers into sentences, and check each sentence
against the passages it cites; narrow each citation to the sentences that support it.

The check, per sentence, in order (the first failure is the reason):
1. it cites something (a factual sentence without a citation is unsupported);
2. every number in it occurs in the cited passages (values compared: "£260m" = "£260 million");
3. every quotation in it occurs verbatim in them (whitespace and quote style aside);
4. every name in it (capitalised words) occurs in them;
5. negation, and who said it, agree with the best-supporting cited sentence;
6. its semantic support score (best cosine to a cited sentence, blended with content-word
   overlap) reaches the calibrated threshold.
What the rules pass is then put to the model (qa.check.support), when it gives log-probabilities.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from qa.check.words import NOT_NAMES, WORD, content_words, norm, overlap, stems
from qa.index.chunking import passage_sentences, split_sentences
from qa.index.copies import carries
from qa.models import Citation, Passage, Sentence, Span
from qa.numbers import number_values

if TYPE_CHECKING:
    from qa.config import Embedder

_QUOTE = re.compile(r"[\"“”]([^\"“”]{12,})[\"“”]")
_NAME = re.compile(r"\b[A-Z][a-zA-Z'’\-]+(?:\s+(?:[A-Z][a-zA-Z'’\-]+|(?:of|de|van|von)\b(?=\s+[A-Z])))*")
_NEGATION = re.compile(  # n't with either apostrophe: "don't", "don’t"
    r"\b(not(?!\s+(?:only|just)\b)|no|never|none|nobody|nothing|neither|nor|without|cannot|stop|stops|stopped|"
    r"halt|halted|scrap|scrapped|abandon|abandoned|ban|banned|deny|denied|denies)\b|n['’]t\b",
    re.IGNORECASE)
# clause boundaries: a negation governs its own clause ("While not trained as ..., he ...")
_CLAUSE = re.compile(r"[,;:()\u2014\u2013]|\s-\s|\b(?:but|while|whereas|although|though|yet)\b",
                     re.IGNORECASE)
FRAGMENT_WORDS = 4  # an answer "sentence" this short ("63 officers.") states no predicate
_SPEECH = re.compile(r"\b(said|says|say|told|added|explained|described|called|warned|argued|"
                     r"claimed|stated|according to|quoted)\b", re.IGNORECASE)


def names_in(text: str, known: AbstractSet[str] = frozenset()) -> list[str]:
    """Capitalised word runs that look like names of people, places or organisations. A lone
    capitalised word that starts a sentence is taken for a name only if it is `known` (in
    lower case) as one: "Keswick opens a pool" where the passages name Keswick mid-sentence."""
    names = []
    for m in _NAME.finditer(text):
        words = [w for w in m.group(0).split() if w.lower() not in NOT_NAMES]
        if not words:
            continue
        at_start = m.start() == 0 or text[:m.start()].rstrip().endswith((".", '"', "“", ":"))
        if at_start and len(m.group(0).split()) == 1 and m.group(0).lower() not in known:
            continue  # a capital because it starts the sentence
        names.append(re.sub(r"['’]s$", "", " ".join(words)))  # Google's -> Google
    return names


def _verbatim(text: str, normed_evidence: str) -> bool:
    words = norm(text).strip(" .,")
    return bool(words) and words in normed_evidence


def verbatim_in(text: str, evidence: str) -> bool:
    """text occurs word for word in evidence (case, whitespace, quote style and the
    punctuation at its ends aside): the quotation rule's test."""
    return _verbatim(text, norm(evidence))


def hard_checks(sentence: str, evidence: str, known: AbstractSet[str] = frozenset()
                ) -> str | None:
    """The first rule the sentence breaks against the evidence text, or None; `known` as in
    names_in."""
    ev_numbers = number_values(evidence)
    for value in number_values(sentence):
        if value not in ev_numbers:
            return f"number {value:g} is not in the cited passages"
    ev = norm(evidence)
    for q in _QUOTE.findall(sentence):
        if not _verbatim(q, ev):
            return f"quotation not found verbatim: \"{q[:60]}\""
    ev_words = set(WORD.findall(ev))
    for name in names_in(sentence, known):
        missing = [w for w in WORD.findall(name.lower()) if w not in ev_words]
        if missing:
            return f"name '{name}' is not in the cited passages"
    return None


def negated_about(text: str, other: str) -> bool:
    """Does text deny something other speaks of: a clause of text holding a negation and a
    content word (stem) of other? A negation elsewhere is about something else: "While not
    trained as an AI engineer, Altman, now 38, ..." denies nothing of "Altman is 38". An answer
    fragment ("7 counts", "Guilty") states no predicate of its own: only its own negation
    counts, and a sentence denies it only where a negation governs its words directly ("not
    guilty", not "pleaded not guilty to seven counts")."""
    if _fragment(text) and not _NEGATION.search(text):
        return False
    about = stems(other)
    if _fragment(other) and not _NEGATION.search(other):
        return any(stems(" ".join(text[m.end():].split()[:2])) & about for m in _NEGATION.finditer(text))
    return any(_NEGATION.search(c) and stems(c) & about for c in _CLAUSE.split(text) if c)


def _fragment(text: str) -> bool:
    return len(text.split()) <= FRAGMENT_WORDS


def reports_speech(text: str) -> bool:
    """Does the sentence say that someone said something ("X said", "according to X")?"""
    return bool(_SPEECH.search(text))


def aligned_checks(sentence: str, best: str, context: str) -> str | None:
    """Rules against the one evidence sentence that best supports the claim (and, for who
    said it, the sentences just before it): negation must agree, and a claim that someone
    said something must name the speaker of that evidence."""
    if negated_about(sentence, best) != negated_about(best, sentence):
        return "negation differs from the cited sentence"
    if _SPEECH.search(sentence) or _QUOTE.search(sentence):
        ctx_words = set(WORD.findall(norm(context)))
        for name in names_in(sentence):
            if not set(WORD.findall(name.lower())) & ctx_words:
                return f"the cited words are not attributed to '{name}'"
    return None


class Evidence:
    """Every sentence of every passage, with its article span and its vector."""

    def __init__(self, passages: list[Passage], article_texts: dict[str, str], embedder: Embedder):
        from qa.index.embed import embed_batch

        self.passages, self.texts = passages, article_texts
        self.rows = passage_sentences(passages, article_texts)  # (n, start, end)
        self.vecs = embed_batch([self.text(i) for i in range(len(self.rows))], embedder=embedder)
        # the words the passages use as names, a lone capital starting a sentence aside (not
        # titles: they are title case)
        self.known = {w.lower() for p in passages for name in names_in(p.text) for w in name.split()}

    def text(self, i: int) -> str:
        n, s, e = self.rows[i]
        return self.texts[self.passages[n - 1].article_id][s:e]

    def context(self, i: int) -> str:
        """The sentence with up to two sentences before it (who said it)."""
        n, s, e = self.rows[i]
        article = self.texts[self.passages[n - 1].article_id]
        before = split_sentences(article, max(0, s - 600), s)[-2:]
        return article[before[0][0] if before else s:e]


def assess(sentence: str, vec, ev: Evidence, cites: list[int]
           ) -> tuple[str | None, float, dict[int, tuple[int, int]]]:
    """(the first rule the sentence breaks or None, its semantic support score, the best
    article span per cited passage) of one sentence against the passages it cites."""
    rows = [i for i, (n, _, _) in enumerate(ev.rows) if n in cites]
    if not rows:
        return "no citation", 0.0, {}
    scores = [0.5 * float(ev.vecs[i] @ vec) + 0.5 * overlap(sentence, ev.text(i)) for i in rows]
    best = rows[max(range(len(rows)), key=scores.__getitem__)]
    spans: dict[int, tuple[int, int]] = {}
    for i, _ in sorted(zip(rows, scores), key=lambda x: x[1]):
        spans[ev.rows[i][0]] = ev.rows[i][1:]  # the highest score per passage wins
    # a passage's title, outlet and date are part of what it says ("The Verge reported ...")
    evidence = " ".join(f"{p.title}. {p.source}. {p.published_at[:10]}. {p.text}"
                        for p in (ev.passages[n - 1] for n in cites))
    problem = hard_checks(sentence, evidence, ev.known) or aligned_checks(sentence, ev.text(best),
                                                                ev.context(best))
    return problem, max(scores), spans


def against(what: str, value: float, threshold: float) -> str:
    """"P(yes) 0.43 below 0.50", "P(yes) 0.62 at or above 0.50": a score told against its
    threshold, with a third digit where two would read as the threshold itself ("P(yes) 0.496
    below 0.50")."""
    side = "at or above" if value >= threshold else "below"
    digits = 3 if f"{value:.2f}" == f"{threshold:.2f}" else 2
    return f"{what} {value:.{digits}f} {side} {threshold:.2f}"


def _judge(sentence: str, vec, ev: Evidence, cites: list[int], threshold: float
           ) -> tuple[bool, str, dict[int, tuple[int, int]], float]:
    """(supported, reason, best article span per cited passage, semantic score) of one sentence."""
    problem, score, spans = assess(sentence, vec, ev, cites)
    if problem:
        return False, problem, spans, score
    if score < threshold:
        return False, against("support score", score, threshold), spans, score
    return True, f"support score {score:.2f}", spans, score


def _recited(sentence: str, vec, ev: Evidence, cites: list[int], threshold: float
             ) -> tuple[int, str, dict[int, tuple[int, int]]] | None:
    """(passage, reason, spans) of the other passage that best supports the sentence: the
    highest semantic score among those it passes (the first that passed could be any passage
    without a contrary number or name); None when none does."""
    best = None
    for n in range(1, len(ev.passages) + 1):
        if n in cites:
            continue
        ok, reason, spans, score = _judge(sentence, vec, ev, [n], threshold)
        if ok and (best is None or score > best[0]):
            best = (score, n, reason, spans)
    return best[1:] if best else None


def _holding(sentence: str, vec, ev: Evidence, cites: list[int], threshold: float,
             spans: dict[int, tuple[int, int]]) -> list[int]:
    """The citations of a supported sentence that hold some of it: each passage that supports
    it alone, and each other whose best sentence holds a content word of it that those lack
    (one half of a claim joining two passages); all of them when none supports it alone. "The
    public order team is getting bigger [2] [3] [4]." keeps [2], not the West End's 80 officers."""
    alone = [n for n in cites if _judge(sentence, vec, ev, [n], threshold)[0]]
    if not alone:
        return cites
    words = content_words(sentence)
    best = {n: content_words(ev.texts[ev.passages[n - 1].article_id][slice(*spans[n])]) & words
            for n in cites if n in spans}
    held = set().union(*(best.get(n, set()) for n in alone))
    return [n for n in cites if n in alone or best.get(n, set()) - held]


def check_sentences(sentences: list[Sentence], passages: list[Passage],
                    article_texts: dict[str, str], threshold: float, recite: bool = True,
                    embedder: Embedder = "minilm", evidence: Evidence | None = None,
                    recite_threshold: float | None = None) -> list[Citation]:
    """Mark each sentence supported or not (with a reason), in place, and return the
    citations, each narrowed to the article sentences that best support its claims.

    With `recite`, a sentence its own citations do not support is tried against each other
    passage alone; if one supports it, the citation is corrected and the reason says so.
    `recite_threshold` (default: threshold) is the support score a passage needs to be given
    a sentence its own citations did not support, unless the sentence has a number or name of
    its own: then the passage must hold them all (the rules) and `threshold` is enough ("30
    lanes", left uncited, has its one source in the passage that says 30 lanes). A sentence
    that passes with a score below `recite_threshold` (where the model, not the score, judges
    it) is moved to another passage that reaches it: the reader's highlight must hold the
    claim, not only fail to contradict it.
    `evidence`, the passages' sentences already embedded, saves that work when the sentences
    of one answer are checked a few at a time."""
    from qa.index.embed import embed_batch

    if not sentences:
        return []
    ev = evidence or Evidence(passages, article_texts, embedder)
    vecs = embed_batch([s.text for s in sentences], embedder=embedder)
    for sent, vec in zip(sentences, vecs):
        ok, reason, spans, score = _judge(sent.text, vec, ev, sent.citations, threshold)
        weak = ok and recite_threshold is not None and score < recite_threshold
        better = None
        if recite and (weak or not ok):
            anchored = not weak and (number_values(sent.text) or names_in(sent.text, ev.known))
            again = threshold if recite_threshold is None or anchored else recite_threshold
            better = _recited(sent.text, vec, ev, sent.citations, again)
        if better:
            n, why, spans = better
            was = "".join(f"[{c}]" for c in sent.citations) or "no citation"
            fault = "held it only weakly" if weak else "did not support it"
            ok, reason = True, f"re-cited: {was} {fault} ({reason}); [{n}] does, {why}"
            sent.citations = [n]
        elif recite and ok and len(sent.citations) > 1:
            least = threshold if recite_threshold is None else recite_threshold
            sent.citations = _holding(sent.text, vec, ev, sent.citations, least, spans)
        sent.supported, sent.reason = ok, reason
        sent.spans = [Span(n=n, start=spans[n][0], end=spans[n][1])
                      for n in sent.citations if n in spans]
    return citations_of(sentences, passages, article_texts)


def citations_of(sentences: list[Sentence], passages: list[Passage],
                 article_texts: dict[str, str]) -> list[Citation]:
    """One Citation per distinct (passage, span) the sentences point at, in passage order; its
    `also_in`: the passage's copies whose text (in article_texts) carries the quote."""
    keys = sorted({(sp.n, sp.start, sp.end) for s in sentences for sp in s.spans})
    out = []
    for n, start, end in keys:
        p = passages[n - 1]
        quote = article_texts[p.article_id][start:end]
        copies = [c for c in p.also_in if carries(article_texts.get(c.article_id, ""), quote)]
        out.append(Citation(n=n, chunk_id=p.chunk_id, article_id=p.article_id, title=p.title,
                            source=p.source, published_at=p.published_at, start=start, end=end,
                            quote=quote, also_in=copies))
    return out
