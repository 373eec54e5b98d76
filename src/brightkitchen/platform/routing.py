"""The API's routes in one flat list on the app.

FastAPI (0.137 and later) keeps an included router as one node of a tree and walks that tree on every request:
at each level it scans the candidates, asks each included router for its version (a walk over its whole
subtree) and matches again when it hands the request down. With this platform's 27 routers that walk cost
most of a heartbeat's CPU. ``add_flat`` puts every API route straight on the app's router instead, as
``include_router`` did before 0.137: the same paths, the same order (so the same route wins), the same
OpenAPI document (tests/platform/test_routing.py compares them). Only plain inclusions may be flattened: what
an ``include_router`` call adds of its own (dependencies, tags, responses) would be lost, so the API's routers
are included without any (app.api_router), and a prefix lost on the way is refused at start."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIRouter, iter_route_contexts

# What an APIRoute was made with, and is copied with (the path apart): APIRoute.__init__'s keywords.
_COPIED = (
    "response_model", "status_code", "tags", "dependencies", "summary", "description", "response_description",
    "responses", "deprecated", "name", "methods", "operation_id", "response_model_include",
    "response_model_exclude", "response_model_by_alias", "response_model_exclude_unset",
    "response_model_exclude_defaults", "response_model_exclude_none", "include_in_schema", "response_class",
    "callbacks", "openapi_extra", "generate_unique_id_function", "strict_content_type", "max_body_size",
    "form_limits",
)  # fmt: skip


def add_flat(app: FastAPI, router: APIRouter) -> int:
    """Adds every route of ``router`` (and of the routers it includes) to ``app`` as a route of its own, in
    matching order; returns how many."""
    added = 0
    for context in iter_route_contexts(router.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path is None:
            raise TypeError(f"only API routes can be flattened, not {route!r}")
        path = context.path  # the prefixes of the routers it was included through, and its own
        if not path.endswith(route.path):
            raise ValueError(f"{path}: an include prefix that the flat routes would lose")
        kwargs = {name: getattr(route, name) for name in _COPIED}
        app.router.add_api_route(path, route.endpoint, **kwargs)
        added += 1
    return added
