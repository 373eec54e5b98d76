"""Online hours from real heartbeats over HTTP, at known times: what is credited, what is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.health.models import OnlineHour
from brightkitchen.platform.health.online import online_seconds, split_hours
from tests import factories as f
from tests.support import device_headers
from tests.support.rollout import clock

T0 = datetime(2026, 11, 20, 9, 59, 30, tzinfo=UTC)
S = timedelta(seconds=1)


def beat(client: TestClient, key: str, camera: str, at: datetime, status: str = "online") -> None:
    body = {
        "sent_at": at.isoformat(),
        "software_version": "t",
        "cameras": [{"camera_key": camera, "status": status, "fps": 10.0}],
    }
    with clock(client, at):
        resp = client.post("/api/v1/device/heartbeats", json=body, headers=device_headers(key))
    assert resp.status_code == 204, resp.text


def buckets(session: Session) -> list[tuple[int, int, int]]:
    session.expire_all()
    rows = session.execute(select(OnlineHour.device_id, OnlineHour.hour, OnlineHour.seconds).order_by(OnlineHour.hour))
    return [(d, h.hour, s) for d, h, s in rows]


@pytest.mark.parametrize(
    ("gaps", "status", "credited"),
    [
        ([], "online", 0),  # the first heartbeat: nothing known about before it
        ([30, 30, 30], "online", 90),
        ([30, 600], "online", 30 + 90),  # silent 10 min: only the offline cutoff (3 x 30 s) counts
        ([30, 30], "offline", 0),  # edge alive, camera dark: nothing watched
    ],
)
def test_heartbeats_credit_watched_seconds(
    client: TestClient, session: Session, gaps: list[int], status: str, credited: int
) -> None:
    w = f.world(session)
    key, cam = w.device_keys["A1"], w.cameras["A1"].key
    at = T0
    beat(client, key, cam, at, status)
    for gap in gaps:
        at += gap * S
        beat(client, key, cam, at, status)
    site = w.site_a1.id
    assert online_seconds(session, [site, w.site_b1.id], T0 - timedelta(hours=1), at + S) == {
        site: credited,
        w.site_b1.id: 0,
    }


def test_an_hour_boundary_splits_the_credit(client: TestClient, session: Session) -> None:
    w = f.world(session)
    key, cam = w.device_keys["A1"], w.cameras["A1"].key
    beat(client, key, cam, T0)  # 09:59:30
    beat(client, key, cam, T0 + 60 * S)  # 10:00:30
    device = w.devices["A1"].id
    assert buckets(session) == [(device, 9, 30), (device, 10, 30)]


def test_two_devices_at_a_site_do_not_count_an_hour_twice(session: Session) -> None:
    from tests.support.online_hours import watched

    w = f.world(session)
    second, _ = f.device(session, w.site_a1, "edge-2")
    watched(session, w.devices["A1"], T0, 2, seconds=1800)
    watched(session, second, T0, 1, seconds=3600)
    session.commit()
    assert online_seconds(session, [w.site_a1.id], T0 - timedelta(hours=1), T0 + timedelta(hours=3)) == {
        w.site_a1.id: 3600 + 1800
    }


def test_split_hours() -> None:
    assert split_hours(T0, T0 + 90 * S) == [
        (T0.replace(minute=0, second=0), 30),
        (T0.replace(hour=10, minute=0, second=0), 60),
    ]
    assert split_hours(T0, T0) == []
