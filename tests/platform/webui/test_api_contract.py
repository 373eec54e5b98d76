"""The web app's API client against the platform's real OpenAPI document: every call it makes exists, and
the schemas its generated types come from (web/openapi.json) are the platform's current ones."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext

WEB = Path(__file__).resolve().parents[3] / "web"
REF = re.compile(r'"\$ref": "(#/components/schemas/\w+)"')
CALL = re.compile(r"http\.(get|post|postForm)<[^(]*?>\(\s*[`'](/[^`']*)[`']")


def _live(ctx: PlatformContext) -> dict[str, object]:
    return create_app(ctx=ctx).openapi()


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", re.sub(r"\$\{[^}]*\}", "{}", path))


def test_every_call_of_the_web_client_exists(ctx: PlatformContext) -> None:
    paths = _live(ctx)["paths"]
    assert isinstance(paths, dict)
    known = {(_shape(p.removeprefix("/api/v1")), m) for p, ops in paths.items() for m in ops}
    calls = CALL.findall((WEB / "src" / "api" / "index.ts").read_text())
    assert len(calls) >= 15
    missing = [(m, p) for m, p in calls if (_shape(p), "post" if m == "postForm" else m) not in known]
    assert missing == []


def _used_schemas(doc: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """The named schemas and every schema they refer to, from one OpenAPI document."""
    schemas = doc["components"]["schemas"]
    out: dict[str, Any] = {}
    todo = sorted(names)
    while todo:
        name = todo.pop()
        if name in out or name not in schemas:
            continue
        out[name] = schemas[name]
        todo += [ref.rsplit("/", 1)[1] for ref in REF.findall(json.dumps(schemas[name]))]
    return out


def test_the_schemas_the_web_app_uses_match_the_committed_document(ctx: PlatformContext) -> None:
    """web/src/api/schema.d.ts is generated from web/openapi.json; the shapes the app relies on must be current.
    (Other parts of the API may move on without touching the web app.)"""
    names = set(re.findall(r"S\['(\w+)'\]", (WEB / "src" / "api" / "types.ts").read_text()))
    names |= {"AlertState", "ViolationCode"}  # the alert filters' query parameters (AlertQuery)
    assert {"AlertDetailPublic", "OverviewPublic", "PublicSite"} <= names
    committed = json.loads((WEB / "openapi.json").read_text())
    live = json.loads(json.dumps(_live(ctx)))
    assert _used_schemas(committed, names) == _used_schemas(live, names), (
        "the API changed under the web app: run `npm run api` in web/ (dumps openapi.json, regenerates "
        "src/api/schema.d.ts), then `npm run typecheck`"
    )
