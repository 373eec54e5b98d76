"""Errors as RFC 9457 problem details: a title, the status, and which field was wrong. Never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_S = 30  # how long a caller should wait while the database is unreachable


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

    install_database_handlers(app)

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, exc: ClientDisconnect) -> JSONResponse:
        # The sender hung up mid-upload (a device losing its uplink, a load generator stopping): nothing to
        # fix here, and nobody reads the answer; it retries from its outbox.
        log.info("client disconnected during %s %s", request.method, request.url.path)
        body = _body(400, "Bad request", "the request body was not received in full", request.url.path)
        return JSONResponse(body, status_code=400, media_type=PROBLEM_JSON)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        body = _body(500, "Internal error", "The server could not complete the request", request.url.path)
        return JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)


def _unstorable(request: Request, detail: str) -> JSONResponse:
    body = _body(422, "Invalid request", detail, request.url.path, code="invalid")
    return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)


def unavailable(request: Request) -> JSONResponse:
    """503 with Retry-After: the edge (and any client) waits and retries instead of giving up or hammering."""
    body = _body(503, "Service unavailable", "the database is unavailable; retry later", request.url.path,
                 code="unavailable")  # fmt: skip
    headers = {"Retry-After": str(RETRY_AFTER_S)}
    return JSONResponse(body, status_code=503, headers=headers, media_type=PROBLEM_JSON)


def install_database_handlers(app: FastAPI) -> None:
    """The last line of defence: a value the database refuses is the caller's fault (4xx), a database that
    cannot be reached is an outage (503); neither is a server error. Endpoints should still validate first."""

    @app.exception_handler(OperationalError)
    async def _operational(request: Request, exc: OperationalError) -> JSONResponse:
        reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        log.error("database unavailable on %s: %s", request.url.path, reason)
        return unavailable(request)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        text = str(exc.orig).lower()
        if request.method != "DELETE" and ("not null" in text or "foreign key" in text):
            return _unstorable(request, "a required value is missing or refers to something that does not exist")
        return JSONResponse(
            _body(409, "Conflict", "the change conflicts with existing data", request.url.path, code="conflict"),
            status_code=409,
            media_type=PROBLEM_JSON,
        )

    @app.exception_handler(StatementError)
    async def _statement(request: Request, exc: StatementError) -> JSONResponse:
        # DataError (a value out of the column's range, NUL in text on PostgreSQL), or a value the driver
        # could not even bind (OverflowError for a too large integer or date on SQLite).
        if isinstance(exc, DBAPIError) and getattr(exc, "connection_invalidated", False):
            return unavailable(request)
        if isinstance(exc.orig, OverflowError | ValueError | UnicodeError) or type(exc).__name__ == "DataError":
            return _unstorable(request, "a value is out of range or cannot be stored")
        log.exception("database error on %s", request.url.path)
        body = _body(500, "Internal error", "The server could not complete the request", request.url.path)
        return JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        return _unstorable(request, "a number or date is out of range")
