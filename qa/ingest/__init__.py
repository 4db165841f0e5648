"""Ingest: files, uploads, API rows and RSS/Atom feeds -> Articles, stored through the index.
files.py reads .txt/.md/.html/.jsonl into Articles; add.py chunks, embeds and stores them
(and opens the store with the seed articles when it is empty); fetch.py fetches a URL behind
the address guard; feeds.py keeps the feeds and polls them.

May import: the core and qa.index.
"""
