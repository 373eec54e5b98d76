"""Refuses, before any endpoint runs, what no endpoint can store: NUL or undecodable text in the path or the query,
and integer parameters outside the 64-bit range of the database's id columns."""

from __future__ import annotations

import json
import re
import types
from typing import Any, Union, get_args, get_origin
from urllib.parse import parse_qsl, unquote_to_bytes

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

INT8_MIN, INT8_MAX = -(2**63), 2**63 - 1
_INTEGER = re.compile(r"^\s*[+-]?[0-9_]+(\.0*)?\s*$")
_DIGIT = re.compile(r"[0-9]")
MIN_DIGITS_OUT_OF_RANGE = len(str(INT8_MAX))  # 19: a number with fewer digits is always in range


def _is_int_type(annotation: Any) -> bool:
    if annotation is int:
        return True
    if get_origin(annotation) in (Union, types.UnionType, list, set, tuple):
        return any(_is_int_type(a) for a in get_args(annotation))
    return False


def _int_params(dependant: Dependant) -> frozenset[str]:
    """Names of the integer path and query parameters of an endpoint and all its dependencies."""
    own = [p.alias for p in (*dependant.path_params, *dependant.query_params) if _is_int_type(p.field_info.annotation)]
    return frozenset(own).union(*(_int_params(d) for d in dependant.dependencies))


def _out_of_range(value: str) -> bool:
    if not _INTEGER.match(value):
        return False  # not an integer at all: the endpoint's own validation answers 422
    try:
        number = int(value.strip().split(".")[0].replace("_", ""))
    except ValueError:
        return False
    return not INT8_MIN <= number <= INT8_MAX


def _clean(text: str) -> bool:
    return "\x00" not in text and "\ufffd" not in text


class InputGuard:
    """Pure ASGI middleware: answers 400 or 422 as a problem document, or passes the request on untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._routes: list[tuple[APIRoute, frozenset[str]]] | None = None

    def _api_routes(self, scope: Scope) -> list[tuple[APIRoute, frozenset[str]]]:
        if self._routes is None:  # built on first use: every router is included by then
            router = scope["app"].router
            routes = [(r, _int_params(r.dependant)) for r in router.routes if isinstance(r, APIRoute)]
            self._routes = [(r, names) for r, names in routes if names]
        return self._routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self._check(scope)
        if problem is None:
            await self.app(scope, receive, send)
            return
        status, title, detail, field = problem
        instance = scope["path"] if _clean(scope["path"]) else ""
        body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "instance": instance}
        body["detail"] = detail
        if field:
            body["errors"] = [{"field": field, "message": detail, "type": "value_error"}]
        raw = json.dumps(body).encode()
        headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(raw)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": raw})

    def _check(self, scope: Scope) -> tuple[int, str, str, str | None] | None:
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogatepass")
        try:
            path = unquote_to_bytes(raw_path.split(b"?", 1)[0]).decode("utf-8")
        except UnicodeDecodeError:
            return 400, "Bad request", "the path is not valid UTF-8", None
        if "\x00" in path or "\x00" in scope["path"]:
            return 400, "Bad request", "the path must not contain NUL characters", None
        try:
            query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True,
                              encoding="utf-8", errors="strict")  # fmt: skip
        except (UnicodeDecodeError, ValueError):
            return 400, "Bad request", "the query string is not valid UTF-8", None
        for key, value in query:
            if "\x00" in key or "\x00" in value:
                return 422, "Invalid request", f"'{key if _clean(key) else '?'}' must not contain NUL", key
        if len(_DIGIT.findall(path + "".join(k + v for k, v in query))) < MIN_DIGITS_OUT_OF_RANGE:
            return None  # almost every request: no need to find its route
        for route, names in self._api_routes(scope):
            match, child = route.matches(scope)
            if match != Match.FULL:
                continue
            values = [(k, str(v)) for k, v in child.get("path_params", {}).items()] + query
            for key, value in values:
                if key in names and _out_of_range(value):
                    return 422, "Invalid request", f"'{key}' is out of range", key
            break
        return None
