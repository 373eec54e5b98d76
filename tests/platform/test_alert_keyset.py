"""The alert list's keyset pages: a cursor chain covers every row once in any sort (ties included), a bad cursor
is a 422 naming it, the total turns into a flagged estimate past the exact-count limit, and the scope holds."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts import service as svc
from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.auth.principals import principal_for_user
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.pagination import PageParams
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.users.models import User
from tests import factories as f
from tests.support import make_settings

URL = "/api/v1/alerts"
LIMIT = 5  # the exact-count limit in these tests: a few rows are "too many to count"


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return make_settings(migrated_url, tmp_path, alert_list_exact_total=LIMIT)


@pytest.fixture
def w(session: Session) -> f.World:
    world = f.world(session)
    now = utcnow()
    cam = world.cameras["A1"]
    # Few distinct values per sort column, so every sort has ties that only the id breaks.
    for i in range(13):
        a = f.alert(session, world.site_a1 if i % 4 else world.site_a2, cam if i % 4 else world.cameras["A2"],
                    created_at=now - timedelta(hours=i % 3), detection_count=1 + i % 2,
                    code=("no_mask", "smoking")[i % 2], state=("pushed", "closed", "new")[i % 3])  # fmt: skip
        a.score = 0.5 + (i % 3) / 4
    session.commit()
    for i in range(4):  # another district's alerts, with the same times and values
        f.alert(session, world.site_b1, world.cameras["B1"], created_at=now - timedelta(hours=i % 3))
    return world


def get(client: TestClient, hdr: dict[str, str], **query: Any) -> dict[str, Any]:
    resp = client.get(URL, headers=hdr, params=query)
    assert resp.status_code == 200, resp.text
    return resp.json()


def walk(client: TestClient, hdr: dict[str, str], size: int, **query: Any) -> list[int]:
    """Every id, following next_cursor from the first (offset) page to the last."""
    body = get(client, hdr, size=size, **query)
    seen = [a["id"] for a in body["items"]]
    while body["next_cursor"] is not None:
        assert len(body["items"]) == size
        body = get(client, hdr, size=size, cursor=body["next_cursor"], **query)
        seen += [a["id"] for a in body["items"]]
    return seen


@pytest.mark.parametrize(
    "sort", [None, "id", "created_at", "-created_at", "-detection_count", "code", "-score", "state", "last_seen_at"]
)
def test_a_cursor_chain_covers_every_row_once_in_the_offset_order(
    client: TestClient, session: Session, w: f.World, sort: str | None
):
    hdr = f.bearer(session, "reg_a")
    query = {"sort": sort} if sort else {}
    everything = [a["id"] for a in get(client, hdr, size=500, **query)["items"]]
    assert len(everything) == 13
    for size in (1, 3, 13):
        assert walk(client, hdr, size, **query) == everything
    # A cursor taken from an offset page goes on where that page ended.
    second = get(client, hdr, size=4, page=2, **query)
    assert [a["id"] for a in get(client, hdr, size=4, cursor=second["next_cursor"], **query)["items"]] == everything[
        8:12
    ]


def test_filters_apply_to_cursor_pages_and_the_scope_holds(client: TestClient, session: Session, w: f.World):
    b_ids = {a["id"] for a in get(client, f.bearer(session, "reg_b"), size=500)["items"]}
    assert len(b_ids) == 4
    hdr = f.bearer(session, "reg_a")
    filtered = [a["id"] for a in get(client, hdr, size=500, state="closed,new", code="smoking")["items"]]
    assert 0 < len(filtered) < 13
    assert walk(client, hdr, 2, state="closed,new", code="smoking") == filtered
    # A closed date range (read through the range index on PostgreSQL, and sorted): the same rows, in order.
    now = utcnow()
    span = {"since": (now - timedelta(minutes=90)).isoformat(), "until": (now + timedelta(minutes=1)).isoformat()}
    in_range = [a["id"] for a in get(client, hdr, size=500, **span)["items"]]
    assert 0 < len(in_range) < 13 and in_range == sorted(in_range, reverse=True)
    assert walk(client, hdr, 2, **span) == in_range
    assert walk(client, hdr, 2, sort="id", **span) == sorted(in_range)
    # A school sees its own site only, page after page; another district's alerts never appear.
    school = walk(client, f.bearer(session, "sa_a2"), 1)
    assert len(school) == 4 and not set(school) & b_ids
    assert not set(walk(client, hdr, 2, sort="-created_at")) & b_ids


def cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ({"cursor": "%%%not-base64"}, "not one this list gave out"),
        ({"cursor": cursor({"id": 3})}, "not one this list gave out"),
        ({"cursor": cursor(["-id", 3, "4"])}, "not one this list gave out"),
        ({"cursor": cursor(["-id", 3, 3]), "sort": "created_at"}, "made for sort '-id'"),
        ({"cursor": cursor(["created_at", "yesterday", 3]), "sort": "created_at"}, "does not fit"),
        ({"cursor": cursor(["created_at", "2026-01-01T00:00:00", 3]), "sort": "created_at"}, "does not fit"),
        ({"cursor": cursor(["-score", "high", 3]), "sort": "-score"}, "does not fit"),
        ({"cursor": cursor(["code", 7, 3]), "sort": "code"}, "does not fit"),
    ],
)
def test_a_bad_cursor_is_a_422_naming_it(client: TestClient, session: Session, w: f.World, query: dict, why: str):
    resp = client.get(URL, headers=f.bearer(session, "reg_a"), params=query)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert [e["field"] for e in body["errors"]] == ["cursor"]
    assert why in body["detail"]


def test_the_total_is_exact_up_to_the_limit_and_flagged_as_an_estimate_past_it(
    client: TestClient, session: Session, w: f.World
):
    exact = get(client, f.bearer(session, "reg_b"))  # 4 alerts: within the limit
    assert (exact["total"], exact["total_estimated"], exact["next_cursor"]) == (4, False, None)
    many = get(client, f.bearer(session, "reg_a"), size=20)  # 13 alerts: past it
    assert many["total_estimated"] is True
    assert many["total"] > LIMIT  # SQLite: limit + 1; PostgreSQL: the planner's estimate, never below that
    assert len(many["items"]) == 13 and many["next_cursor"] is None
    # Filtered down under the limit, the count is exact again.
    few = get(client, f.bearer(session, "reg_a"), site_id=w.site_a2.id)
    assert (few["total"], few["total_estimated"]) == (4, False)


def test_the_list_is_planned_for_its_own_filters_on_postgresql(
    session: Session, settings: Settings, w: f.World, is_postgres: bool
):
    # psycopg prepares a statement run five times; PostgreSQL's generic plan for it then ignores the filters'
    # values (a rare state in the last days is planned like any state at any time) and can read millions of rows.
    if not is_postgres:
        pytest.skip("plan_cache_mode is PostgreSQL's")
    reg = session.scalar(select(User).where(User.username == "reg_a"))
    assert reg is not None
    principal = principal_for_user(session, reg)
    svc.list_alerts(session, settings, principal, svc.AlertFilters(states=("new",)), PageParams(size=3), utcnow())
    assert session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
    assert session.scalar(text("SHOW jit")) == "off"
    session.commit()  # and only for that request's transaction
    assert session.scalar(text("SHOW plan_cache_mode")) == "auto"


def test_a_closed_date_range_on_postgresql_is_found_through_the_range_index_alone() -> None:
    # The planner ANDed the last_seen_at index (a year of entries) with the week the range index had found:
    # the bare columns' comparisons are kept, as filters the column indexes cannot answer.
    now = utcnow()
    wanted = svc.AlertFilters(since=now - timedelta(days=365), until=now - timedelta(days=358))

    def sql(ranges: bool) -> str:
        stmt = svc._filtered(select(Alert.id), wanted, None, now, ranges)
        return str(stmt.compile(dialect=postgresql.dialect()))

    with_ranges, without = sql(True), sql(False)
    assert "&&" in with_ranges
    assert "alerts.last_seen_at >=" not in with_ranges and "alerts.started_at <" not in with_ranges
    assert "alerts.last_seen_at >=" in without and "alerts.started_at <" in without  # SQLite: the columns' indexes
