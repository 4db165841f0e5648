"""OpenAI-compatible chat completions over the service: any OpenAI client gets checked,
cited answers.

The request is OpenAI's (model, messages, stream; other fields are accepted and ignored),
plus an optional `filters` object (outlet, category, since, until: `extra_body` in the
`openai` client). The last message is the question; earlier user/assistant pairs are the
conversation a follow-up is rewritten with.

The reply's `content` is the checked answer with [n] markers (a refusal says why), and the
direct answer, when there is one, on a last line ("Answer: Yes."). Two extra fields come
once: in the non-streamed `message`, and in the final streamed chunk's `delta`:
- `citations`: [{n, title, source, published_at, url, article_id, start, end, quote,
  supported}], each a span of an article's text (`quote == text[start:end]`);
- `qa`: {answer, refused, reason, searched_for, checked_by}.
Streamed, each chunk carries one sentence that has passed its check; the stream ends with
`data: [DONE]`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from qa.check.markers import render_sentences
from qa.index.filters import Filters
from qa.models import Answer, Copy, Sentence
from qa.service.schemas import AskEvent, AskRequest, Turn

if TYPE_CHECKING:
    from qa.index.store import Store

__all__ = ["MODEL_ID", "ChatCitation", "ChatRequest", "ask_request", "completion", "models", "stream"]

MODEL_ID = "qa"


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict] | None = None

    def text(self) -> str:
        """The message's text (a list of parts: their text parts joined)."""
        if isinstance(self.content, list):
            return " ".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = Field(MODEL_ID, description=f"'{MODEL_ID}' (GET /v1/models).")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    filters: Filters = Field(default_factory=Filters, description="qa's outlet/category/date filters.")


class ChatCitation(BaseModel):
    n: int
    title: str
    source: str = ""
    published_at: str = ""
    url: str = ""
    article_id: str
    start: int
    end: int
    quote: str
    supported: bool = Field(description="Every shown sentence citing [n] passed its check.")
    also_in: list[Copy] = Field(default_factory=list, description="Copies of the article that "
                                "carry the cited text too (qa/index/copies.py).")


def ask_request(req: ChatRequest) -> AskRequest:
    """The question (the last user message) and the conversation before it."""
    if req.model != MODEL_ID:
        raise LookupError(f"model {req.model!r} does not exist; use {MODEL_ID!r} (GET /v1/models)")
    talk = [m for m in req.messages if m.role in ("user", "assistant")]
    if not talk or talk[-1].role != "user" or not talk[-1].text().strip():
        raise ValueError("messages must end with a user message holding the question")
    *earlier, last = talk
    turns, pending = [], None
    for m in earlier:
        if m.role == "user":
            pending = m.text()
        elif pending is not None:
            turns.append(Turn(question=pending, answer=m.text()))
            pending = None
    return AskRequest(question=last.text().strip(), history=turns, filters=req.filters)


def models() -> dict:
    return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0,
                                        "owned_by": "qa"}]}


def body_sentences(ans: Answer) -> list[Sentence]:
    """The sentences the content is made of, in the order they are streamed."""
    rest = ans.sentences[1:] if ans.refused else ans.sentences  # a refusal's first is the refusal
    return [s for s in rest if s.shown and s.kind != "answer"]


def piece(s: Sentence) -> str:
    return render_sentences([s])


def content(ans: Answer) -> str:
    text = " ".join(piece(s) for s in body_sentences(ans))
    return text + tail(ans, bool(text))


def tail(ans: Answer, after_text: bool) -> str:
    """What follows the streamed sentences: the refusal with its reason, or the direct answer."""
    sep = "\n\n" if after_text else ""
    if ans.refused:
        reason = _reason(ans)
        near = "".join(f"\n- {c.title} ({c.source or 'unknown outlet'}, {c.published_at[:10] or 'no date'}): "
                       + c.quoted() for c in ans.closest)
        return f"{sep}{ans.text}" + (f" (Why: {reason}.)" if reason else "") + (
            f"\n\nClosest passages (none answers it):{near}" if near else "")
    return f"{sep}Answer: {ans.answer}." if ans.answer else ""


def citations(ans: Answer, store: Store) -> list[ChatCitation]:
    shown = [s for s in ans.sentences if s.shown and s.kind == "claim"]
    out = []
    for c in ans.citations:
        citing = [s for s in shown if c.n in s.citations]
        article = store.article(c.article_id)
        out.append(ChatCitation(n=c.n, title=c.title, source=c.source, published_at=c.published_at,
                                url=article.url if article else "", article_id=c.article_id,
                                start=c.start, end=c.end, quote=c.quote, also_in=c.also_in,
                                supported=bool(citing) and all(s.supported for s in citing)))
    return out


def _reason(ans: Answer) -> str:
    """Why a refusal refused (its first sentence says): '' for an answer."""
    return ans.sentences[0].reason if ans.refused and ans.sentences else ""


def extras(ans: Answer, store: Store) -> dict:
    reason = _reason(ans)
    return {"citations": [c.model_dump() for c in citations(ans, store)],
            "qa": {"answer": ans.answer, "refused": ans.refused, "reason": reason,
                   "searched_for": ans.searched_for, "checked_by": ans.checked_by,
                   "searched": ans.searched,
                   "closest": [c.model_dump(include={"title", "source", "published_at", "article_id",
                                                     "start", "end", "quote"}) for c in ans.closest]}}


def _usage(ans: Answer) -> dict:
    p, c = ans.usage.get("prompt_tokens", 0), ans.usage.get("completion_tokens", 0)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def completion(ans: Answer, store: Store) -> dict:
    """A chat.completion object for the answer."""
    return {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion",
            "created": int(time.time()), "model": MODEL_ID,
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": content(ans), "refusal": None,
                                     **extras(ans, store)}}],
            "usage": _usage(ans)}


def stream(events: Iterator[AskEvent], store: Store) -> Iterator[str]:
    """Server-sent chat.completion.chunk events: the role, one checked sentence a chunk, the
    rest of the content with the extra fields and finish_reason, then [DONE]. A failure
    mid-stream is sent as an OpenAI error object."""
    head = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": MODEL_ID}

    def chunk(delta: dict, finish: str | None = None, **more) -> str:
        body = {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                                     "logprobs": None}], **more}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    sent = ""
    for event in events:
        if event.event == "sentence" and event.sentence and event.sentence.kind != "answer":
            text = (" " if sent else "") + piece(event.sentence)
            sent += text
            yield chunk({"content": text})
        elif event.event == "error":
            err = {"error": {"message": event.message, "type": "server_error", "param": None,
                             "code": None}}
            yield f"data: {json.dumps(err)}\n\n"
            break
        elif event.event == "answer" and event.answer:
            full = content(event.answer)
            rest = full[len(sent):] if full.startswith(sent) else tail(event.answer, bool(sent))
            yield chunk({"content": rest, **extras(event.answer, store)}, "stop",
                        usage=_usage(event.answer))
    yield "data: [DONE]\n\n"
