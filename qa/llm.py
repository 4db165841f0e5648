"""Every model call goes through litellm. The local GGUF model runs in-process with
llama-cpp-python, registered as the litellm provider `local/`, so `local/qwen2.5-coder-1.5b`
is called exactly like `gpt-4o-mini` or `ollama/llama3.1`.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import warnings
from collections.abc import Iterator
from functools import lru_cache

from qa import modelservers
from qa.config import Settings
from qa.errors import ModelError

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no network at import
os.environ.setdefault("OMP_WAIT_POLICY", "passive")  # 2-thread llama.cpp collapses without it


def _quiet() -> None:
    """pydantic warns about litellm's own typed dicts when litellm builds its types, up to 150
    lines a process: not ours to mend. Set when qa.llm is imported too, before another thread's
    `warnings.catch_warnings()` (a model load) can save the filters and drop ours on its exit."""
    warnings.filterwarnings("ignore", message=r"Items? .* `ReadOnly` qualifier", category=UserWarning)


_quiet()
_LOCK = threading.Lock()  # one local generation at a time: llama.cpp contexts are not shared
# A fixed ~300-token news paragraph: the local model's prompt rate is measured on it.
_RATE_TEXT = ("The city council voted on Tuesday to approve a new budget that raises spending on "
              "schools, roads and public transport, after a debate that lasted more than six hours. ") * 12


_LOADED: dict[tuple, object] = {}  # one llama.cpp model per (path, context, threads, seed)


ABANDONED_AFTER_S = 10.0  # a stream nobody reads for this long is ended, freeing the model
_LOAD_LOCK = threading.Lock()  # two threads asking at once load the model once
_IMPORT_LOCK = threading.Lock()  # and import litellm once


def _load_llama(path: str, n_ctx: int, n_threads: int, seed: int):
    key = (path, n_ctx, n_threads, seed)
    with _LOAD_LOCK:
        if key not in _LOADED:
            from llama_cpp import Llama

            try:
                _LOADED[key] = Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, seed=seed,
                                     verbose=False)
            except Exception as e:  # llama.cpp raises ValueError with little context
                raise ModelError(f"could not load the local model {path}: {e}") from e
        return _LOADED[key]


def reset_local_state() -> None:
    """Forget the prompt prefix the loaded local models hold, so that a run (an eval suite)
    starts from the same state whatever ran before it in the process."""
    with _LOCK:
        for llama in _LOADED.values():
            llama.reset()  # type: ignore[attr-defined]


def local_llama(settings: Settings, model: str | None = None):
    """The loaded llama.cpp model behind local/<name> (default: settings.model)."""
    from qa.localmodel import model_path

    name = (model or settings.model).split("/", 1)[-1]
    path = model_path(name, settings.model_dir, settings.local_model_path)
    return _load_llama(str(path), settings.llm_context, settings.llm_threads, settings.seed)


def local_rates(settings: Settings) -> dict[str, float]:
    """This machine's llama.cpp speed for the local model, measured now: prompt tokens read
    per second from a cold cache, and tokens generated per second after the first."""
    llama = local_llama(settings)
    with _LOCK:
        llama.reset()
        t = time.perf_counter()
        out = llama.create_completion(_RATE_TEXT, max_tokens=1, temperature=0.0)
        prompt_tps = out["usage"]["prompt_tokens"] / (time.perf_counter() - t)
        llama.reset()
        stamps = [time.perf_counter() for _ in llama.create_completion(
            "Count from 1 to 100, separated by commas: 1, 2,", max_tokens=48, temperature=0.0,
            stream=True)]
        llama.reset()
    gen_tps = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    return {"prompt_tps": prompt_tps, "gen_tps": gen_tps}


def yes_probability(settings: Settings, messages: list[dict]) -> float | None:
    """P(yes) / (P(yes) + P(no)) of the model's first reply token to a yes/no prompt, from
    its log-probabilities rather than the one word it would sample (MiniCheck's recipe).
    Local models: read off llama.cpp's logits, reusing the cached prompt prefix exactly as a
    chat completion does. Other litellm models: their top log-probabilities when the provider
    returns them; None when it does not (the caller then falls back to the sampled word)."""
    if settings.model.startswith("local/"):
        return _local_yes_probability(local_llama(settings), messages)
    try:
        resp = modelservers.completion(
            _litellm(settings.model_dump_json()), settings, messages=messages, temperature=0.0,
            max_tokens=1, logprobs=True,
            top_logprobs=20, timeout=settings.llm_timeout, num_retries=settings.llm_retries)
        top = resp.choices[0].logprobs.content[0].top_logprobs
    except Exception:  # the provider has no log-probabilities: the caller samples instead
        return None
    return _yes_share({t.token: t.logprob for t in top})


def _yes_share(logprobs: dict[str, float]) -> float | None:
    import math

    yes = sum(math.exp(lp) for tok, lp in logprobs.items() if tok.strip().lower() == "yes")
    no = sum(math.exp(lp) for tok, lp in logprobs.items() if tok.strip().lower() == "no")
    return yes / (yes + no) if yes + no > 0 else None


def _local_yes_probability(llama, messages: list[dict]) -> float | None:
    import llama_cpp
    import numpy as np
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        return None
    special = {"eos_token": llama.detokenize([llama.token_eos()], special=True).decode(errors="ignore"),
               "bos_token": llama.detokenize([llama.token_bos()], special=True).decode(errors="ignore")
               if llama.token_bos() >= 0 else ""}
    prompt = Jinja2ChatFormatter(template=template, **special)(messages=messages).prompt  # type: ignore[arg-type]
    tokens = llama.tokenize(prompt.encode("utf-8"), special=True)
    words = {w: llama.tokenize(w.encode(), add_bos=False, special=False) for w in
             ("yes", "Yes", "YES", "no", "No", "NO")}
    with _LOCK:
        cached = list(llama.input_ids[:llama.n_tokens])
        keep = min(llama.longest_token_prefix(cached, tokens), len(tokens) - 1)
        llama.n_tokens = keep
        llama.eval(tokens[keep:])
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits(llama.ctx), shape=(llama.n_vocab(),))
        logits = logits.astype(np.float64)
    logp = logits - (logits.max() + np.log(np.exp(logits - logits.max()).sum()))
    return _yes_share({w: float(logp[ids[0]]) for w, ids in words.items() if len(ids) == 1})


def _stream_local(llama, messages: list[dict], params: dict) -> Iterator[dict]:
    """The parts of a streamed local generation. The lock is held by a worker thread, never
    across a yield: the worker ends with max_tokens, or when nobody has read for
    ABANDONED_AFTER_S, so a client that stops reading does not block every other question."""
    parts: queue.Queue = queue.Queue(maxsize=1)  # one part ahead: no race with the reader for the cores
    stop = threading.Event()

    def work() -> None:
        try:
            with _LOCK:
                for part in llama.create_chat_completion(messages=messages, stream=True, **params):
                    try:
                        parts.put(part, timeout=ABANDONED_AFTER_S)
                    except queue.Full:  # the reader stopped reading: free the model for others
                        stop.set()
                    if stop.is_set():
                        break
        except Exception as e:  # raised to the reader below
            _hand(parts, e)
        finally:
            _hand(parts, None)

    threading.Thread(target=work, daemon=True).start()
    try:
        while (item := parts.get()) is not None:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()


def _hand(parts: queue.Queue, item: object) -> None:
    """Give the reader an item, unless it has stopped reading (then nobody needs it)."""
    try:
        parts.put(item, timeout=ABANDONED_AFTER_S)
    except queue.Full:
        pass


def _local_provider(settings: Settings):
    from litellm import CustomLLM
    from litellm.types.utils import GenericStreamingChunk, ModelResponse

    class LocalLlama(CustomLLM):
        """llama-cpp-python behind litellm's CustomLLM interface."""

        def _llama(self, model: str):
            return local_llama(settings, model)

        def _params(self, kwargs) -> dict:
            op = kwargs.get("optional_params") or {}
            return {"temperature": op.get("temperature", 0.0), "max_tokens": op.get("max_tokens", 256),
                    "seed": op.get("seed", settings.seed), "stop": op.get("stop")}

        def completion(self, *args, **kwargs) -> ModelResponse:
            llama = self._llama(kwargs["model"])
            with _LOCK:
                out = llama.create_chat_completion(messages=kwargs["messages"], **self._params(kwargs))
            resp: ModelResponse = kwargs["model_response"]
            resp.choices[0].message.content = out["choices"][0]["message"]["content"]  # type: ignore
            resp.choices[0].finish_reason = out["choices"][0]["finish_reason"]
            resp.model = kwargs["model"]
            u = out.get("usage") or {}
            keys = ("prompt_tokens", "completion_tokens", "total_tokens")
            resp.usage = {k: u.get(k, 0) for k in keys}  # type: ignore[attr-defined]
            return resp

        def streaming(self, *args, **kwargs) -> Iterator[GenericStreamingChunk]:
            llama = self._llama(kwargs["model"])
            for part in _stream_local(llama, kwargs["messages"], self._params(kwargs)):
                choice = part["choices"][0]
                yield {"text": choice["delta"].get("content") or "", "index": 0,
                       "is_finished": choice.get("finish_reason") is not None,
                       "finish_reason": choice.get("finish_reason") or "",
                       "tool_use": None, "usage": None}

    return LocalLlama()


def _litellm(settings_json: str):
    """litellm with the local provider registered, imported once: the warm-up thread and a
    question's thread may ask at once, and a second thread must not see a half-imported module."""
    with _IMPORT_LOCK:
        return _litellm_for(settings_json)


@lru_cache(maxsize=1)
def _litellm_for(settings_json: str):
    _quiet()
    import litellm

    settings = Settings.model_validate_json(settings_json)
    litellm.suppress_debug_info = True
    litellm.telemetry = False
    litellm.custom_provider_map = [{"provider": "local", "custom_handler": _local_provider(settings)}]
    return litellm


def warm(settings: Settings) -> None:
    """Import litellm (~4 s) and load the local model before the first question needs them,
    so a user's first question waits only for the model's reading and writing."""
    _litellm(settings.model_dump_json())
    if settings.model.startswith("local/"):
        local_llama(settings)


def complete(settings: Settings, messages: list[dict], *, max_tokens: int = 256,
             stream: bool = False, usage: dict | None = None) -> Iterator[str]:
    """Text pieces of the model's reply (one piece when not streaming); temperature 0.

    `usage`, when given, accumulates prompt_tokens and completion_tokens (when streaming,
    the prompt is estimated at 4 characters a token and each streamed piece counts one)."""
    usage = {} if usage is None else usage
    litellm = _litellm(settings.model_dump_json())
    remote = not settings.model.startswith("local/")
    try:
        resp = modelservers.completion(
            litellm, settings, messages=messages, temperature=0.0, seed=settings.seed,
            max_tokens=max_tokens, stream=stream,
            **({"timeout": settings.llm_timeout, "num_retries": settings.llm_retries} if remote else {}),
        )
        if not stream:
            u = getattr(resp, "usage", None)
            _add(usage, getattr(u, "prompt_tokens", 0) or 0, getattr(u, "completion_tokens", 0) or 0)
            yield resp.choices[0].message.content or ""
            return
        _add(usage, sum(len(m["content"]) for m in messages) // 4, 0)
        for chunk in resp:
            piece = chunk.choices[0].delta.content if chunk.choices else None
            if piece:
                _add(usage, 0, 1)
                yield piece
    except ModelError:
        raise
    except Exception as e:
        hint = ("check the API key variable for that provider and the model name"
                if remote else "check QA_LOCAL_MODEL_PATH or reinstall with `make setup`")
        raise ModelError(f"model {settings.model} failed: {type(e).__name__}: {e} ({hint})") from e


complete.yes_probability = yes_probability  # type: ignore[attr-defined]  # the gate's calibrated score


def _add(usage: dict, prompt: int, completion: int) -> None:
    usage["prompt_tokens"] = usage.get("prompt_tokens", 0) + prompt
    usage["completion_tokens"] = usage.get("completion_tokens", 0) + completion
