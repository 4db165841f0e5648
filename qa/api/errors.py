"""The API's errors in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`, each
message saying what is wrong; and the Bearer-key check of QA_API_KEYS."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from qa import keys
from qa.errors import ModelError, NotFound, QAError, explain
from qa.service.service import Service

__all__ = ["ApiError", "add_error_handlers", "error_response", "require_key"]


class ApiError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None):
        super().__init__(message)
        self.status, self.kind, self.code, self.param = status, kind, code, param


def error_response(status: int, message: str, kind: str = "invalid_request_error",
                   code: str | None = None, param: str | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _status(e: QAError) -> int:
    return 404 if isinstance(e, NotFound) else 503 if isinstance(e, ModelError) else 400


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, e: ApiError):
        return error_response(e.status, str(e), e.kind, e.code, e.param)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, e: RequestValidationError):
        return error_response(422, explain(e))

    @app.exception_handler(ValidationError)
    async def _invalid_inner(_: Request, e: ValidationError):
        return error_response(422, explain(e))

    @app.exception_handler(QAError)
    async def _qa(_: Request, e: QAError):
        return error_response(_status(e), str(e), "server_error" if isinstance(e, ModelError)
                              else "invalid_request_error")

    @app.exception_handler(HTTPException)
    async def _http(_: Request, e: HTTPException):
        return error_response(e.status_code, str(e.detail))


def require_key(service: Service):
    """A dependency: the Bearer token must be one of QA_API_KEYS (when any are set)."""
    wanted = keys.load(service.settings.api_keys)

    def check(request: Request) -> str | None:
        if not wanted:
            return None
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "no API key: send 'Authorization: Bearer KEY' (a key of QA_API_KEYS)",
                           "authentication_error", "missing_api_key")
        name = keys.owner(token.strip(), wanted)
        if name is None:
            raise ApiError(401, "the API key is not valid (not one of QA_API_KEYS)",
                           "authentication_error", "invalid_api_key")
        return name

    return check
