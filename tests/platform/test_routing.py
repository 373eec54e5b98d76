"""The API's routes flattened onto the app (platform.routing): the same routes in the same order as FastAPI's
own nested inclusion, the same OpenAPI document, and the input guard's route scan working on them."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIRouter, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.app import API_PREFIX, api_router, create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.routing import add_flat
from tests import factories as f


def _nested(app: FastAPI) -> FastAPI:
    nested = FastAPI(title=app.title, version=app.version, openapi_url=app.openapi_url)
    nested.include_router(api_router())
    return nested


def _signature(app: FastAPI) -> list[tuple[str, frozenset[str], object]]:
    return [
        (c.path or "", frozenset(c.methods or ()), c.endpoint)
        for c in iter_route_contexts(app.router.routes)
        if isinstance(c.original_route, APIRoute) and (c.path or "").startswith(API_PREFIX)
    ]


def test_the_flat_routes_are_fastapis_nested_routes_in_the_same_order(ctx: PlatformContext) -> None:
    app = create_app(ctx=ctx)
    flat = _signature(app)
    assert len(flat) > 100
    assert [(p, m, e.__qualname__) for p, m, e in flat] == [  # type: ignore[attr-defined]
        (p, m, e.__qualname__)  # type: ignore[attr-defined]
        for p, m, e in _signature(_nested(app))
    ]
    assert not [r for r in app.router.routes if type(r).__name__ == "_IncludedRouter"]


def test_the_openapi_document_is_the_nested_apps(ctx: PlatformContext) -> None:
    app = create_app(ctx=ctx)
    assert app.openapi() == _nested(app).openapi()


def test_include_prefixes_are_kept() -> None:
    inner = APIRouter()

    @inner.get("/x")
    def x() -> None: ...

    outer = APIRouter()
    outer.include_router(inner, prefix="/in")
    app = FastAPI()
    assert add_flat(app, outer) == 1
    assert [r.path for r in app.router.routes if isinstance(r, APIRoute)] == ["/in/x"]


def test_out_of_range_ids_are_refused_by_the_input_guard_before_any_endpoint(
    ctx: PlatformContext, session: Session
) -> None:
    f.world(session)
    headers = f.bearer(session, "admin")
    with TestClient(create_app(ctx=ctx)) as client:
        resp = client.get(f"{API_PREFIX}/sites/{2**63}", headers=headers)
        assert resp.status_code == 422
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert "out of range" in resp.json()["detail"]
        assert client.get(f"{API_PREFIX}/sites/999999", headers=headers).status_code == 404  # an id in range
