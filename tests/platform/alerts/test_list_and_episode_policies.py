"""The alert list's sorting and filters, and the episode policies' API (who may set them, what is refused)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.db import utcnow
from tests import factories as f

URL = "/api/v1/alerts"


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


def ids(client: TestClient, headers: dict[str, str], **query: Any) -> list[int]:
    resp = client.get(URL, headers=headers, params=query)
    assert resp.status_code == 200, resp.text
    return [a["id"] for a in resp.json()["items"]]


def test_sorting_filters_and_paging(client: TestClient, session: Session, w: f.World):
    now = utcnow()
    cam2 = f.camera(session, w.site_a1, "cam-a1-2", "备餐间")
    a = f.alert(session, w.site_a1, w.cameras["A1"], created_at=now - timedelta(hours=3), detection_count=5)
    b = f.alert(session, w.site_a1, cam2, state="new", created_at=now - timedelta(hours=2), detection_count=12,
                code="smoking")  # fmt: skip
    c = f.alert(session, w.site_a1, w.cameras["A1"], state="closed", created_at=now - timedelta(hours=1))
    hdr = f.bearer(session, "sa_a1")
    assert ids(client, hdr) == [c.id, b.id, a.id]  # newest first, as before
    assert ids(client, hdr, sort="-detection_count") == [b.id, a.id, c.id]
    assert ids(client, hdr, sort="detection_count") == [c.id, a.id, b.id]
    assert ids(client, hdr, sort="code") == [a.id, c.id, b.id]  # no_mask (ties by id), then smoking
    assert ids(client, hdr, sort="-last_seen_at", size=2, page=2) == [a.id]
    assert ids(client, hdr, state="new,pushed") == [b.id, a.id]
    assert ids(client, hdr, state="closed") == [c.id]
    assert ids(client, hdr, camera_id=cam2.id) == [b.id]
    # A date range keeps the alerts whose episode overlaps it.
    assert ids(client, hdr, since=(now - timedelta(hours=2, minutes=30)).isoformat(),
               until=(now - timedelta(minutes=90)).isoformat()) == [b.id]  # fmt: skip
    item = client.get(URL, headers=hdr, params={"sort": "-detection_count", "size": 1}).json()["items"][0]
    assert (item["detection_count"], item["last_seen_at"][:16]) == (12, b.ended_at.isoformat()[:16])


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"sort": "password_hash"}, "sort", "invalid"),  # not on the allow-list
        ({"sort": "-"}, "sort", None),  # not even a column name: the request's own validation
        ({"state": "new,open"}, "state", "invalid"),
    ],
)
def test_bad_sort_or_state_is_a_clear_422(
    client: TestClient, session: Session, w: f.World, query: dict, field: str, code: str | None
):
    resp = client.get(URL, headers=f.bearer(session, "sa_a1"), params=query)
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body.get("code") == code
    assert [e["field"] for e in body["errors"]] == [field]


PUT = "/api/v1/episode-policies"


def test_episode_policies_crud_and_scope(client: TestClient, session: Session, w: f.World):
    reg_a, reg_b = f.bearer(session, "reg_a"), f.bearer(session, "reg_b")
    body = {"region_id": w.street_a.id, "code": "no_mask", "min_duration_s": 300, "gap_s": 900}
    created = client.put(PUT, headers=reg_a, json=body)
    assert created.status_code == 200, created.text
    # The same region and code again replaces it: one row per pair.
    again = client.put(PUT, headers=reg_a, json={**body, "gap_s": 1200}).json()
    assert again["id"] == created.json()["id"] and again["gap_s"] == 1200
    assert [p["id"] for p in client.get(PUT, headers=reg_a).json()] == [again["id"]]
    assert client.get(PUT, headers=reg_b).json() == []  # another district's policies are not shown
    assert client.put(PUT, headers=reg_b, json=body).status_code == 404  # nor can it set them
    assert client.delete(f"{PUT}/{again['id']}", headers=reg_b).status_code == 404
    assert client.put(PUT, headers=f.bearer(session, "sa_a1"), json=body).status_code == 403
    assert client.delete(f"{PUT}/{again['id']}", headers=reg_a).status_code == 204
    assert client.get(PUT, headers=f.bearer(session, "admin")).json() == []


@pytest.mark.parametrize(
    "change",
    [{"code": "no_such_code"}, {"gap_s": 5}, {"min_duration_s": -1}, {"min_duration_s": 90000}, {"extra": 1}],
)
def test_bad_episode_policies_are_refused_and_nothing_stored(
    client: TestClient, session: Session, w: f.World, change: dict
):
    reg = f.bearer(session, "reg_a")
    body = {"region_id": w.street_a.id, "code": "*", "min_duration_s": 0, "gap_s": 600, **change}
    resp = client.put(PUT, headers=reg, json=body)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert client.get(PUT, headers=reg).json() == []
