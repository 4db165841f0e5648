"""The index: where articles live and how they are found. Texts and chunk spans in SQLite
(texts.py, the commit point), vectors in Chroma (vectors.py), BM25 and the filter catalogue
kept in step through the chunks' change log (bm25.py, lexicon.py, filters.py), near-duplicate
copy groups (copies.py), chunking (chunking.py), the embedders (embed.py), and hybrid
retrieval over them (retrieve.py). Writes go through store.Store.

May import: the core (qa.config, qa.models, qa.errors, qa.dates ...). Nothing else of qa.
"""
