"""Errors as RFC 9457 problem details: a title, the status, and which field was wrong. Never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.code = code


def not_found(what: str) -> Problem:
    # Out-of-scope ids answer exactly like missing ones, so nothing leaks about other tenants.
    return Problem(404, "Not found", f"{what} not found", code="not_found")


def forbidden(detail: str = "You may not do this") -> Problem:
    return Problem(403, "Forbidden", detail, code="forbidden")


def conflict(detail: str) -> Problem:
    return Problem(409, "Conflict", detail, code="conflict")


def _body(status: int, title: str, detail: str | None, instance: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "instance": instance}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        body = _body(exc.status, exc.title, exc.detail, request.url.path, errors=exc.errors, code=exc.code)
        return JSONResponse(body, status_code=exc.status, headers=exc.headers, media_type=PROBLEM_JSON)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        first = errors[0]["field"] if errors else ""
        body = _body(422, "Invalid request", f"invalid value for '{first}'", request.url.path, errors=errors)
        return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed"}.get(
            exc.status_code, "Error"
        )
        detail = exc.detail if isinstance(exc.detail, str) else None
        body = _body(exc.status_code, title, detail, request.url.path)
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers, media_type=PROBLEM_JSON)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        body = _body(500, "Internal error", "The server could not complete the request", request.url.path)
        return JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)
