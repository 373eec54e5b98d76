"""The ranking's rule (红黑榜), from tables: inputs -> who is ranked, in which order, with which score; and
the same rule through the API, with online hours written by real heartbeats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.db import utcnow
from brightkitchen.platform.stats.ranking import SiteFigures, rank, score
from tests import factories as f
from tests.support.online_hours import watched

H = 3600
DAY = 24 * H


def site(sid: int, name: str, online_h: float, expected_h: float = 24, **counts: int) -> SiteFigures:
    return SiteFigures(site_id=sid, name=name, online_s=round(online_h * H), expected_s=round(expected_h * H), **counts)


@pytest.mark.parametrize(
    ("sites", "ranked", "apart"),
    [
        pytest.param(
            [site(1, "未接入", 0), site(2, "有监测", 24, alerts=3, closed=1, overdue=2)],
            [("有监测", 1)],
            ["未接入"],
            id="a site never watched is not ranked, however clean",
        ),
        pytest.param(
            [site(1, "逾期校", 24, alerts=1, overdue=1), site(2, "零预警", 24)],
            [("零预警", 1), ("逾期校", 2)],
            [],
            id="a watched site with 0 alerts ranks above one with overdue alerts",
        ),
        pytest.param(
            [site(3, "丙", 24), site(1, "甲", 24), site(2, "乙", 24, alerts=1, closed=1)],
            [("丙", 1), ("甲", 1), ("乙", 3)],
            [],
            id="equal scores share a rank, then by name; the next rank skips",
        ),
        pytest.param(
            [site(1, "刚好", 19.2), site(2, "差一点", 19.1)],
            [("刚好", 1)],
            ["差一点"],
            id="80 percent of the hours is the threshold",
        ),
        pytest.param(
            [site(1, "新登记", 5, expected_h=5)],
            [("新登记", 1)],
            [],
            id="a site registered in the period owes only its own hours",
        ),
        pytest.param(
            [site(1, "无预警低在线", 10), site(2, "无预警半在线", 12)],
            [],
            ["无预警低在线", "无预警半在线"],
            id="unwatched sites listed apart, least watched first",
        ),
    ],
)
def test_rank_from_tables(sites: list[SiteFigures], ranked: list[tuple[str, int]], apart: list[str]) -> None:
    out, unwatched = rank(sites, 0.8)
    assert [(r.site.name, r.rank) for r in out] == ranked
    assert [s.name for s in unwatched] == apart


@pytest.mark.parametrize(
    ("figures", "rate", "points"),
    [
        (dict(alerts=0, closed=0), None, 100.0),  # nothing to rectify: "—", no penalty
        (dict(alerts=4, closed=2), 0.5, 100 - 8 - 10),
        (dict(alerts=4, closed=4), 1.0, 100 - 8),
        (dict(alerts=1000, overdue=1000, escalated=1000), 0.0, 0.0),  # floored at 0
        (dict(alerts=2, closed=2, overdue=1, escalated=1), 1.0, 100 - 4 - 5 - 10),
    ],
)
def test_score_and_rate_from_tables(figures: dict[str, int], rate: float | None, points: float) -> None:
    s = site(1, "x", 24, **figures)
    assert s.rectification_rate == rate
    assert score(s.alerts, s.overdue, s.escalated, s.rectification_rate, s.online_share) == points


def test_half_watched_costs_five_points() -> None:
    assert score(0, 0, 0, None, 0.5) == 95.0


def test_ranking_api_lists_unwatched_sites_apart(client: TestClient, session: Session) -> None:
    w = f.world(session)
    now = utcnow()
    long_ago = now - timedelta(days=60)
    for s in (w.site_a1, w.site_a2, w.site_b1):
        s.created_at = long_ago
    # A1 watched the whole week with an overdue alert; B1 watched with nothing against it; A2 never watched.
    watched(session, w.devices["A1"], now - timedelta(days=7), 7 * 24 + 1)
    watched(session, w.devices["B1"], now - timedelta(days=7), 7 * 24 + 1)
    f.alert(session, w.site_a1, w.cameras["A1"], state="rectifying", created_at=now - timedelta(days=3))
    session.commit()
    resp = client.get("/api/v1/stats/ranking", params={"days": 7}, headers=f.bearer(session, "reg_city"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [(i["site_name"], i["rank"]) for i in body["items"]] == [(w.site_b1.name, 1), (w.site_a1.name, 2)]
    b1, a1 = body["items"]
    assert b1["rectification_rate"] is None and b1["score"] == 100.0 and b1["online_share"] == 1.0
    assert a1["overdue"] == 1 and a1["rectification_rate"] == 0.0 and a1["score"] == score(1, 1, 0, 0.0, 1.0)
    assert [(u["site_name"], u["online_hours"], u["expected_hours"]) for u in body["unmonitored"]] == [
        (w.site_a2.name, 0.0, 168.0)
    ]
    assert "80%" in body["formula"] and body["min_online_share"] == 0.8
    school = client.get("/api/v1/stats/ranking", params={"days": 7}, headers=f.bearer(session, "sa_a2")).json()
    assert school["items"] == [] and [u["site_id"] for u in school["unmonitored"]] == [w.site_a2.id]
