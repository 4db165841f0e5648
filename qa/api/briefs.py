"""The API's briefs: saved questions (/v1/watches), their Atom feed of changes, and exports of
answers, summaries, timelines and watch histories (/v1/export). Each route calls
`service.briefs` (qa/service/briefs.py) and returns what it returns."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, model_validator

from qa.briefs.export import MEDIA_TYPES
from qa.briefs.watches import Run, Watch
from qa.models import Answer
from qa.news.summarize import Summary
from qa.news.timeline import Timeline
from qa.service.briefs import WatchRequest
from qa.service.service import Service

__all__ = ["ExportBody", "brief_routes"]

Format = Literal["md", "html", "docx"]


class ExportBody(BaseModel):
    """One thing to export, as the API returned it: an answer (/v1/ask), a summary
    (/v1/summarize), a timeline (/v1/timeline) or a watch's history (its id)."""

    format: Format = Field("md", description="md, html or docx.")
    answer: Answer | None = None
    summary: Summary | None = None
    timeline: Timeline | None = None
    watch: str | None = Field(None, description="A watch id: its runs, newest first.")

    @model_validator(mode="after")
    def _one(self) -> ExportBody:
        given = [k for k in ("answer", "summary", "timeline", "watch") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of answer, summary, timeline or watch "
                             f"(got {', '.join(given) or 'none'})")
        return self


class Deleted(BaseModel):
    deleted: str


def _file(data: bytes, fmt: str, name: str) -> Response:
    return Response(data, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def brief_routes(service: Service) -> APIRouter:
    r = APIRouter(prefix="/v1")
    briefs = service.briefs

    @r.get("/watches")
    def watches() -> dict[str, list[Watch]]:
        return {"watches": briefs.watches()}

    @r.post("/watches", response_model=Watch)
    def add(body: WatchRequest) -> Watch:
        return briefs.add_watch(body)

    @r.get("/watches/feed.atom", response_class=Response)
    def feed(request: Request) -> Response:
        return Response(briefs.feed(_base(request)), media_type="application/atom+xml")

    @r.get("/watches/{wid}", response_model=Watch)
    def get(wid: str) -> Watch:
        return briefs.book().get(wid)

    @r.delete("/watches/{wid}", response_model=Deleted)
    def remove(wid: str) -> Deleted:
        briefs.remove_watch(wid)
        return Deleted(deleted=wid)

    @r.get("/watches/{wid}/runs")
    def runs(wid: str, limit: int | None = None) -> dict[str, list[Run]]:
        return {"runs": briefs.runs(wid, limit)}

    @r.get("/watches/{wid}/runs/{n}", response_model=Run)
    def run(wid: str, n: int) -> Run:
        return briefs.book().run(wid, n)

    @r.post("/watches/{wid}/run", response_model=Run)
    def run_now(wid: str) -> Run:
        return briefs.run_watch(wid)

    @r.get("/watches/{wid}/feed.atom", response_class=Response)
    def watch_feed(wid: str, request: Request) -> Response:
        return Response(briefs.feed(_base(request), wid), media_type="application/atom+xml")

    @r.post("/export", response_class=Response,
            responses={200: {"content": {m.split(";")[0]: {} for m in MEDIA_TYPES.values()}}})
    def export(body: ExportBody) -> Response:
        item = body.answer or body.summary or body.timeline or body.watch
        return _file(briefs.export(item, body.format), body.format,
                     "watch-" + body.watch if body.watch else "qa-export")

    return r
