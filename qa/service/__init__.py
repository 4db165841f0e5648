"""The one service layer the front ends call: service.Service (ask, summarise, search, stories,
timeline, library, feeds, health) and the typed requests and replies (schemas.py). The CLI,
the browser app and the HTTP API parse into these, call the Service and render what it
returns; they hold no logic of their own.

May import: the core and every stage (index, ingest, check, answer, news); never a front end.
"""
