"""The model behind one or several OpenAI-compatible servers (`QA_MODEL_API_BASE`).

One base URL: every call goes to it. Several (comma-separated): they are deployments of one
model, and litellm's Router sends each call to the least busy of them, so several questions
are answered at once, one per server (llama-cpp-python's server answers one request at a
time: two servers are two slots). Any OpenAI-compatible server works: llama.cpp's own
`llama-server --parallel N`, vLLM, Ollama, or `python -m llama_cpp.server` (bench/servers.py
starts those for the benches and tests).
"""

from __future__ import annotations

import os
from functools import lru_cache

from qa.config import Settings

__all__ = ["completion", "slots"]

ROUTING = "least-busy"  # litellm's Router: the deployment with the fewest calls in flight


def slots(settings: Settings) -> int:
    """How many questions one qa process works on at once (QA_MODEL_SLOTS, else the model's
    parallel slots as far as qa knows them)."""
    if settings.model_slots:
        return settings.model_slots
    if settings.model.startswith("local/"):
        return 1
    return len(settings.model_api_bases()) or 4


def _key() -> str:
    """The servers' API key: OPENAI_API_KEY when set; a local server asks none, but the
    OpenAI client wants one."""
    return os.environ.get("OPENAI_API_KEY") or "none"


def completion(litellm, settings: Settings, **kwargs):
    """litellm.completion for settings.model, at its server(s) when QA_MODEL_API_BASE names any."""
    urls = settings.model_api_bases()
    if not urls:
        return litellm.completion(model=settings.model, **kwargs)
    if len(urls) == 1:
        return litellm.completion(model=settings.model, api_base=urls[0], api_key=_key(), **kwargs)
    return _router(settings.model, tuple(urls)).completion(model=settings.model, **kwargs)


@lru_cache(maxsize=4)
def _router(model: str, urls: tuple[str, ...]):
    from litellm import Router

    deployments = [{"model_name": model, "litellm_params": {"model": model, "api_base": u, "api_key": _key()}}
                   for u in urls]
    return Router(model_list=deployments, routing_strategy=ROUTING)
