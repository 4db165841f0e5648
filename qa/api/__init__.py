"""The HTTP API (FastAPI): native endpoints and an OpenAI-compatible chat under /v1
(server.py, chat.py), errors in OpenAI's shape and API keys (errors.py); the browser app
mounted at /.

May import: qa.service, qa.ui (to mount it), the stages' types and the core.
"""
