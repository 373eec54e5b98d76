"""The regulator's site list: figures per site, sorted, filtered and paged through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.db import utcnow
from tests import factories as f
from tests.support.online_hours import watched


def seed(session: Session) -> f.World:
    w = f.world(session)
    now = utcnow()
    for s in (w.site_a1, w.site_a2, w.site_b1):
        s.created_at = now - timedelta(days=60)
    w.site_a2.kind = "kindergarten"
    # A1: 2 alerts, 1 closed, watched all month, online now. A2: 1 alert, never watched. B1: watched half.
    f.alert(session, w.site_a1, state="closed", created_at=now - timedelta(days=2), closed_at=now - timedelta(days=1))
    f.alert(session, w.site_a1, state="pushed", created_at=now - timedelta(days=1))
    f.alert(session, w.site_a2, state="pushed", created_at=now - timedelta(days=1))
    watched(session, w.devices["A1"], now - timedelta(days=30), 30 * 24 + 1)
    watched(session, w.devices["B1"], now - timedelta(days=15), 15 * 24 + 1)
    w.devices["A1"].status, w.devices["A1"].last_heartbeat_at = "online", now
    session.commit()
    return w


@pytest.mark.parametrize(
    ("params", "codes", "total"),
    [
        ({}, ["A1", "A2", "B1"], 3),
        ({"sort": "-name"}, ["B1", "A2", "A1"], 3),
        ({"sort": "-alerts"}, ["A1", "A2", "B1"], 3),
        ({"sort": "rate"}, ["B1", "A2", "A1"], 3),  # "—" (no alerts) lowest, then 0%, then 50%
        ({"sort": "-online"}, ["A1", "B1", "A2"], 3),
        ({"online": "online"}, ["A1"], 1),
        ({"online": "offline"}, ["A2", "B1"], 2),
        ({"online": "unmonitored"}, ["A2", "B1"], 2),
        ({"kind": "kindergarten"}, ["A2"], 1),
        ({"q": "b1"}, ["B1"], 1),
        ({"size": 2, "page": 2, "sort": "name"}, ["B1"], 3),
    ],
)
def test_site_list(
    client: TestClient, session: Session, params: dict[str, object], codes: list[str], total: int
) -> None:
    seed(session)
    resp = client.get("/api/v1/stats/sites", params=params, headers=f.bearer(session, "admin"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [i["code"] for i in body["items"]] == codes and body["total"] == total


def test_site_list_figures_and_scope(client: TestClient, session: Session) -> None:
    w = seed(session)
    reg_a = f.bearer(session, "reg_a")
    items = client.get("/api/v1/stats/sites", headers=reg_a).json()["items"]
    a1 = items[0]
    assert (a1["code"], a1["alerts"], a1["rectification_rate"], a1["monitored"], a1["online_now"]) == (
        "A1",
        2,
        0.5,
        True,
        True,
    )
    assert (
        a1["online_share"] == 1.0 and a1["region_name"] == w.site_a1.region.name
        if hasattr(w.site_a1, "region")
        else True
    )
    assert [i["code"] for i in items] == ["A1", "A2"]  # district A only
    other = client.get("/api/v1/stats/sites", params={"region_id": w.district_b.id}, headers=reg_a)
    assert other.status_code == 404
    bad = client.get("/api/v1/stats/sites", params={"sort": "score"}, headers=reg_a)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "sort"
    assert client.get("/api/v1/stats/sites", params={"online": "maybe"}, headers=reg_a).status_code == 422
