"""News features over the library: summaries of an article or a topic (summarize.py,
picking.py, keyfacts.py), stories of the same event across outlets (stories.py), timelines
with their disagreements (timeline.py, disagree.py).

May import: the core and the stages before it (index, ingest, check, answer).
"""
