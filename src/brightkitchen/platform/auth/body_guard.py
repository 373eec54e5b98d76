"""Authentication and a size cap before any request body is read.

FastAPI reads (and spools) a body before it resolves the dependencies that authenticate the caller, so without
this a stranger could make the server take in hundreds of MiB just to be told 401. This middleware matches the
route first: an endpoint that needs a signed-in caller gets its bearer token checked before one byte of the body
is read; then a declared ``Content-Length`` over the route's cap is refused with 413, and a body streamed without
one is counted and cut off with 413 at the cap. Uploads (multipart forms, raw bodies the endpoint reads itself)
are capped at ``max_upload_bytes``, everything else (JSON) at ``max_json_bytes``. An endpoint with a cap of its own
(model files) carries it as ``endpoint.__dict__["body_limit"]``: a function of the settings giving the bytes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi import params
from fastapi import routing as fastapi_routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brightkitchen.platform.auth.principals import get_account_principal
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.deps import Authenticator, get_principal
from brightkitchen.platform.problems import Problem

_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})
SEEN_PATHS = 4096


@dataclass(frozen=True)
class _Rule:
    matcher: Any  # the route as the app matches it (its full path): ``matcher.matches(scope)``
    needs_auth: bool
    upload: bool
    limit: Callable[[Any], int] | None = None  # the endpoint's own cap, from the settings


def _api_routes(routes: list[BaseRoute]) -> list[tuple[Any, APIRoute]]:
    """Every API route with what matches its full path. Newer FastAPI keeps included routers nested (their
    routes carry only their own part of the path) and lists them, flattened, through ``iter_route_contexts``."""
    iter_contexts = getattr(fastapi_routing, "iter_route_contexts", None)
    if iter_contexts is None:
        return [(r, r) for r in routes if isinstance(r, APIRoute)]
    contexts = iter_contexts(routes)
    return [(c, c.original_route) for c in contexts if isinstance(c.original_route, APIRoute)]


def _needs_auth(dependant: Dependant) -> bool:
    return any(d.call in (get_principal, get_account_principal) or _needs_auth(d) for d in dependant.dependencies)


def _is_upload(route: APIRoute) -> bool:
    """A form/file body, or none declared (the endpoint streams the request itself, under its own limit)."""
    field = route.body_field
    return field is None or isinstance(field.field_info, params.Form | params.File)


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return None
            return token.strip()
    return None


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def _send_problem(send: Send, scope: Scope, problem: Problem) -> None:
    body: dict[str, Any] = {"type": "about:blank", "title": problem.title, "status": problem.status}
    body["instance"] = scope["path"] if "\x00" not in scope["path"] else ""
    body.update({"detail": problem.detail, "code": problem.code})
    raw = json.dumps(body).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(raw)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in (problem.headers or {}).items()]
    headers.append((b"connection", b"close"))  # the rest of the body is not read: this connection is done
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})


def _too_large(limit: int) -> Problem:
    return Problem(413, "Request body too large", f"the body is over the limit of {limit} bytes", code="too_large")


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"}, code="unauthorized")


class BodyGuard:
    """Pure ASGI middleware; the answers it gives itself are problem documents like every other error."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._rules: list[_Rule] | None = None
        # Matching walks every route (~50 us); a device posts to the same few paths all day.
        self._seen: dict[tuple[str, str], _Rule | None] = {}

    def _rule(self, scope: Scope) -> _Rule | None:
        key = (scope["method"], scope["path"])
        if key in self._seen:
            return self._seen[key]
        if self._rules is None:  # built on first use: every router is included by then
            routes = _api_routes(scope["app"].router.routes)
            self._rules = [
                _Rule(m, _needs_auth(r.dependant), _is_upload(r), getattr(r.endpoint, "body_limit", None))
                for m, r in routes
            ]
        found = next((rule for rule in self._rules if rule.matcher.matches(scope)[0] == Match.FULL), None)
        if len(self._seen) >= SEEN_PATHS:  # paths with ids in them are endless: start over, never grow
            self._seen.clear()
        self._seen[key] = found
        return found

    @staticmethod
    def _authenticate(ctx: PlatformContext, authenticate: Authenticator, token: str) -> Problem | None:
        with ctx.sessions() as session:
            try:
                authenticate(session, token, utcnow())
            except Problem as exc:
                # A known person whose password change is due: the endpoint decides (the change itself is open).
                return None if exc.code == "password_change_required" else exc
        return None

    async def _check_caller(self, scope: Scope) -> Problem | None:
        token = _bearer(scope)
        if token is None:
            return _unauthorized("Sign in first: no access token was sent")
        state = scope["app"].state
        try:
            return await anyio.to_thread.run_sync(self._authenticate, state.ctx, state.authenticate, token)
        except Exception:  # the database is down, say: let the endpoint answer that the way it always does
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _NO_BODY:
            await self.app(scope, receive, send)
            return
        rule = self._rule(scope)
        settings = scope["app"].state.ctx.settings
        limit = settings.max_upload_bytes if rule is None or rule.upload else settings.max_json_bytes
        if rule is not None and rule.limit is not None:
            limit = rule.limit(settings)
        if rule is not None and rule.needs_auth and (problem := await self._check_caller(scope)) is not None:
            await _send_problem(send, scope, problem)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _send_problem(send, scope, _too_large(limit))
            return
        await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Passes the body on while counting it; past ``limit`` answers 413 and tells the app the client left."""
        seen = 0
        answered = False  # this middleware answered: whatever the app still sends is dropped
        started = False

        async def counted_receive() -> Message:
            nonlocal seen, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    if not started:
                        answered = True
                        await _send_problem(send, scope, _too_large(limit))
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not answered:
                raise
