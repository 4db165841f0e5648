"""The browser app (Gradio): the Chat, Summaries, Stories and Library tabs (app.py,
stories.py, library.py, feeds.py), rendering what qa.service returns.

May import: qa.service and, for types and rendering helpers, the stages and the core.
"""
