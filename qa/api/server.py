"""The HTTP API: native JSON endpoints and an OpenAI-compatible chat under /v1, the browser
app mounted at /, interactive docs at /docs; one server, one port (`qa serve`).

Every /v1 route parses its request into the service's models, calls the `Service` and
returns what it returns (the shapes `--json` prints in the CLI). Errors come in OpenAI's
shape, `{"error": {"message", "type", "param", "code"}}`, with a message that says what is
wrong. With `QA_API_KEYS` set, every /v1 route wants `Authorization: Bearer KEY`.
"""

from __future__ import annotations

import ipaddress
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from qa import keys
from qa.api import chat
from qa.api.briefs import brief_routes
from qa.api.errors import ApiError, add_error_handlers, require_key
from qa.errors import QAError
from qa.ingest.feeds import Feed, PollReport
from qa.models import Answer, IngestReport
from qa.news.stories import Story
from qa.news.summarize import Summary
from qa.news.timeline import Timeline
from qa.service.schemas import (
    ArticleRow,
    AskRequest,
    Health,
    SearchRequest,
    SearchResult,
    StoriesRequest,
    SummarizeRequest,
    TimelineRequest,
)
from qa.service.service import Service

__all__ = ["AskBody", "create_app", "check_binding"]

MB = 1024 * 1024
SSE = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class AskBody(AskRequest):
    stream: bool = Field(False, description="Server-sent events: progress, sentence (each once it "
                         "has passed its check), then answer (or error).")


class ArticlesBody(BaseModel):
    articles: list[dict] = Field(min_length=1, description="Objects with title and text (required), "
                                 "source, author, category, published_at, url.")


class Deleted(BaseModel):
    deleted: str


class FeedBody(BaseModel):
    url: str = Field(min_length=1, description="The feed's URL (RSS or Atom).")
    every: str | None = Field(None, description="How often to poll: 15m, 1h, 1d ... (default 15m).")


class PollBody(BaseModel):
    url: str | None = Field(None, description="One feed; default every feed.")


def create_app(service: Service) -> FastAPI:
    """The FastAPI app with the /v1 routes; mount the browser app on it with ui.mount."""
    from fastapi_offline import FastAPIOffline

    # FastAPIOffline: FastAPI whose /docs and /redoc pages load Swagger UI and ReDoc from this
    # machine (FastAPI's own pages load them from a CDN, so offline they stayed blank)
    app = FastAPIOffline(title="qa", version="1", static_url="/docs-assets", description=(
        "Answers and summaries about news articles; every sentence cites the exact passage it "
        "came from and is checked against it before it is sent."))
    add_error_handlers(app)
    app.include_router(native_routes(service), dependencies=[Depends(require_key(service))])
    app.include_router(chat_routes(service), dependencies=[Depends(require_key(service))])
    app.include_router(feed_routes(service), dependencies=[Depends(require_key(service))])
    app.include_router(brief_routes(service), dependencies=[Depends(require_key(service))])
    return app


def native_routes(service: Service) -> APIRouter:
    r = APIRouter(prefix="/v1")

    @r.get("/health", response_model=Health)
    def health() -> Health:
        return service.health()

    @r.post("/ask", response_model=Answer, response_model_exclude={"passages"},
            responses={200: {"content": {"text/event-stream": {}}}})
    def ask(body: AskBody):
        req = AskRequest(**body.model_dump(exclude={"stream"}))
        if body.stream:
            return StreamingResponse(_ask_events(service.stream_ask(req)), media_type="text/event-stream",
                                     headers=SSE)
        return service.ask(req)

    @r.post("/summarize", response_model=Summary, response_model_exclude={"passages"})
    def summarize(body: SummarizeRequest) -> Summary:
        return service.summarize(body)

    @r.post("/search", response_model=SearchResult)
    def search(body: SearchRequest) -> SearchResult:
        return service.search(body)

    @r.post("/stories")
    def stories(body: StoriesRequest) -> dict[str, list[Story]]:
        return {"stories": service.stories(body)}

    @r.post("/timeline", response_model=Timeline)
    def timeline(body: TimelineRequest) -> Timeline:
        return service.timeline(body)

    @r.get("/articles")
    def articles() -> dict[str, list[ArticleRow]]:
        return {"articles": service.articles()}

    @r.post("/articles", response_model=IngestReport, openapi_extra=_UPLOAD_DOC)
    async def add_articles(request: Request) -> IngestReport:
        return await _add(service, request)

    @r.delete("/articles/{article_id}", response_model=Deleted)
    def delete(article_id: str) -> Deleted:
        service.delete(article_id)
        return Deleted(deleted=article_id)

    return r


def _ask_events(events: Iterator) -> Iterator[str]:
    for e in events:
        data = e.answer.model_dump(exclude={"passages"}) if e.answer else (
            e.sentence.model_dump() if e.sentence else {"message": e.message})
        yield f"event: {e.event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


_UPLOAD_DOC = {"requestBody": {"content": {
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
    "application/json": {"schema": ArticlesBody.model_json_schema()}}}}


async def _add(service: Service, request: Request) -> IngestReport:
    """Files (multipart `files`) or JSON articles; the app's limits; 400 when nothing could be
    stored, with every problem named; 413 for a file over the limit (nothing stored)."""
    limit = service.settings.max_upload_mb * MB
    size = int(request.headers.get("content-length") or 0)
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        if size > limit:
            raise ApiError(413, f"the request is {size / MB:.1f} MB; the limit is "
                           f"{service.settings.max_upload_mb} MB (QA_MAX_UPLOAD_MB)", code="too_large")
        try:
            body = ArticlesBody(**json.loads(await request.body()))
        except json.JSONDecodeError as e:
            raise ApiError(400, f"the body is not valid JSON ({e.msg})") from None
        report = await run_in_threadpool(service.add_articles, body.articles)
    elif kind.startswith("multipart/form-data"):
        if size > 10 * limit:
            raise ApiError(413, f"the request is {size / MB:.1f} MB; at most 10 files of "
                           f"{service.settings.max_upload_mb} MB each", code="too_large")
        report = await _add_files(service, request, limit)
    else:
        raise ApiError(415, "send multipart/form-data with `files`, or application/json with "
                       "{\"articles\": [{\"title\": ..., \"text\": ...}]}", code="unsupported_media_type")
    if report.errors and not (report.added or report.replaced or report.skipped):
        raise ApiError(400, "nothing stored: " + "; ".join(report.errors), code="bad_articles")
    return report


async def _add_files(service: Service, request: Request, limit: int) -> IngestReport:
    form = await request.form(max_files=10)
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if not files:
        raise ApiError(400, "no files: send them as multipart form fields named `files`", param="files")
    for f in files:
        if (f.size or 0) > limit:
            raise ApiError(413, f"{f.filename}: {(f.size or 0) / MB:.1f} MB is over the limit of "
                           f"{service.settings.max_upload_mb} MB (QA_MAX_UPLOAD_MB); nothing stored",
                           code="too_large", param="files")
    with tempfile.TemporaryDirectory(prefix="qa-upload-") as tmp:
        saved = []
        for i, f in enumerate(files):
            path = Path(tmp) / f"{i}"
            path.write_bytes(await f.read())
            saved.append((f.filename or "", path))
        return await run_in_threadpool(service.add_files, saved)  # a BadInput: 400 by its handler


def chat_routes(service: Service) -> APIRouter:
    r = APIRouter(prefix="/v1")

    @r.get("/models")
    def models() -> dict:
        return chat.models()

    @r.post("/chat/completions")
    def completions(body: chat.ChatRequest):
        try:
            req = chat.ask_request(body)
        except LookupError as e:
            raise ApiError(404, str(e), code="model_not_found", param="model") from None
        except ValueError as e:
            raise ApiError(400, str(e), param="messages") from None
        if body.stream:
            return StreamingResponse(chat.stream(service.stream_ask(req), service.store),
                                     media_type="text/event-stream", headers=SSE)
        return chat.completion(service.ask(req), service.store)

    return r


def feed_routes(service: Service) -> APIRouter:
    r = APIRouter(prefix="/v1/feeds")

    @r.get("")
    def feeds() -> dict[str, list[Feed]]:
        return {"feeds": service.feeds()}

    @r.post("", response_model=Feed)
    def add(body: FeedBody) -> Feed:
        return service.add_feed(body.url, body.every)

    @r.delete("", response_model=Deleted)
    def remove(url: str) -> Deleted:
        service.remove_feed(url)
        return Deleted(deleted=url)

    @r.post("/poll")
    def poll(body: PollBody) -> dict[str, list[PollReport]]:
        return {"polls": service.poll_feeds(body.url)}

    return r


def check_binding(settings) -> None:
    """Refuse to listen beyond loopback without a log-in for the app and keys for the API."""
    host = settings.host.strip("[]")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    missing = [name for name, ok in (("QA_AUTH", settings.auth), ("QA_API_KEYS", settings.api_keys))
               if not ok]
    if not loopback and missing:
        raise QAError(f"refusing to listen on {settings.host} without {' and '.join(missing)}: set "
                      f"{' and '.join(missing)} (see README, 'HTTP API'), or keep QA_HOST=127.0.0.1")


def build_server(service: Service) -> FastAPI:
    """The API with the browser app mounted at /."""
    from qa.ui import app as ui

    return ui.mount(create_app(service), service)


def serve(settings, notify=print) -> None:
    """Serve the app and the API on settings.host:port until stopped."""
    import uvicorn

    check_binding(settings)
    keys.load(settings.api_keys)  # a malformed QA_API_KEYS fails here, not at the first request
    service = Service.open(settings, notify=notify)
    service.warm()
    server = build_server(service)
    service.start_polling()
    base = f"http://{settings.host}:{settings.port}"
    notify(f"qa: the app at {base}/ , the API at {base}/v1 (docs: {base}/docs)"
           + ("" if settings.api_keys else "; no API keys (loopback only)"))
    uvicorn.run(server, host=settings.host, port=settings.port, log_level="warning")
