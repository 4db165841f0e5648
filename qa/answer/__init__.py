"""Answering a question: questions.py reads what the question names (outlets, days, yes/no);
evidence.py picks the sentences the model reads; ask.py gates, drafts and checks
(draft.py checks each sentence as the model writes it), verdict.py decides a yes/no
question's verdict by P(yes), direct.py writes the direct answer line, refusals.py says
what was searched when nothing answers, followup.py rewrites a follow-up question.

May import: the core, qa.index, qa.ingest and qa.check.
"""
