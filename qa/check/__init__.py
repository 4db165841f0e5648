"""The check: every sentence of a draft against the passages it cites, before anyone sees it.
markers.py parses the [n] markers and splits a draft into sentences; cite.py holds the rules
(numbers, quotes, names, negation, who said it, support score) and narrows each citation to
the sentence that supports it; support.py asks the model's P(yes) on what the rules pass;
quotes.py finds the article's own words for a claim; backing.py holds a verdict back until a
checked, cited sentence backs it.

May import: the core and qa.index.
"""
