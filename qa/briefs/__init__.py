"""Briefs: what a reader takes away or follows. Cited answers, summaries and timelines
exported as Markdown, HTML and DOCX (document.py, export.py); saved questions re-answered as
news arrives, with what changed (watches.py, changes.py), and the changes sent on (notify.py,
atom.py)."""
