"""Who may watch: exactly who may see the camera; the public only a public camera of a public page, and
only in the site's public hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.video.service import public_hours_end
from tests import factories as f
from tests.platform.video.conftest import T0, demand

RANGE = {"start": T0.isoformat(), "end": (T0 + timedelta(minutes=5)).isoformat()}


@pytest.mark.parametrize(
    ("username", "expected"),
    [("admin", 200), ("reg_city", 200), ("reg_a", 200), ("sa_a1", 200), ("ss_a1", 200),
     ("sa_a2", 404), ("reg_b", 404), ("sa_b1", 404), (None, 401)],
)  # fmt: skip
def test_live_and_playback_follow_camera_scope(
    client: TestClient, session: Session, username: str | None, expected: int
) -> None:
    w = f.world(session)
    cam = w.cameras["A1"].id
    headers = f.bearer(session, username) if username else {}
    live = client.post(f"/api/v1/cameras/{cam}/live", headers=headers)
    playback = client.post(f"/api/v1/cameras/{cam}/playback", headers=headers, json=RANGE)
    timeline = client.get(f"/api/v1/cameras/{cam}/recordings", headers=headers)
    assert (live.status_code, playback.status_code, timeline.status_code) == (expected, expected, expected)
    if expected != 200:
        asked = demand(client, w.device_keys["A1"]).json()
        assert asked["live"] == [] and asked["playback"] == []  # a refused viewer asks the edge for nothing
    else:
        status = client.get(f"/api/v1/video/playback/{playback.json()['request_id']}", headers=headers)
        assert status.status_code == 200 and status.json()["state"] == "pending"
        # The status of a playback is as private as its camera.
        other = f.bearer(session, "reg_b")
        assert client.get(f"/api/v1/video/playback/{playback.json()['request_id']}", headers=other).status_code == 404


def _open_public(session: Session, site: Site) -> None:
    site.public_page = True
    site.public_video_from, site.public_video_until = time(0, 0), time(0, 0)  # all day
    session.commit()


def test_public_live_only_for_public_cameras_of_public_pages(client: TestClient, session: Session) -> None:
    w = f.world(session)
    cam = w.cameras["A1"]
    url = f"/api/v1/public/sites/A1/cameras/{cam.id}/live"
    assert client.post(url).status_code == 404  # page off, camera not public
    _open_public(session, w.site_a1)
    assert client.post(url).status_code == 404  # camera still not public
    cam.public = True
    session.commit()
    ok = client.post(url)
    assert ok.status_code == 200, ok.text
    assert client.get(ok.json()["playlist_url"]).status_code == 200
    assert demand(client, w.device_keys["A1"]).json()["live"] == ["cam-a1"]
    # The camera under another site's code, and another site's camera, look missing.
    assert client.post(f"/api/v1/public/sites/A2/cameras/{cam.id}/live").status_code == 404
    assert client.post(f"/api/v1/public/sites/A1/cameras/{w.cameras['A2'].id}/live").status_code == 404
    w.site_a1.public_page = False
    session.commit()
    assert client.post(url).status_code == 404


def test_public_live_only_in_public_hours(client: TestClient, session: Session, settings: Settings) -> None:
    w = f.world(session)
    cam = w.cameras["A1"]
    cam.public = True
    _open_public(session, w.site_a1)
    local = datetime.now(ZoneInfo(settings.timezone))
    # A window that starts two hours from now: closed now.
    w.site_a1.public_video_from = (local + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    w.site_a1.public_video_until = (local + timedelta(hours=3)).time().replace(second=0, microsecond=0)
    session.commit()
    closed = client.post(f"/api/v1/public/sites/A1/cameras/{cam.id}/live")
    assert closed.status_code == 403
    assert closed.json()["code"] == "outside_public_hours" and "公开直播时间" in closed.json()["detail"]
    assert demand(client, w.device_keys["A1"]).json()["live"] == []
    # A window around now: open, and the link ends when the window does.
    w.site_a1.public_video_from = (local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    w.site_a1.public_video_until = (local + timedelta(minutes=10)).time().replace(second=0, microsecond=0)
    session.commit()
    open_ = client.post(f"/api/v1/public/sites/A1/cameras/{cam.id}/live")
    assert open_.status_code == 200
    expires = datetime.fromisoformat(open_.json()["expires_at"])
    assert expires <= datetime.now(UTC) + timedelta(minutes=10, seconds=1)


def test_public_hours_in_the_site_time_zone(settings: Settings) -> None:
    site = Site(public_video_from=time(6, 0), public_video_until=time(20, 0))
    shanghai = ZoneInfo("Asia/Shanghai")
    at = datetime(2026, 3, 2, 7, 30, tzinfo=shanghai)
    assert public_hours_end(site, settings, at) == datetime(2026, 3, 2, 20, 0, tzinfo=shanghai)
    assert public_hours_end(site, settings, datetime(2026, 3, 2, 5, 59, tzinfo=shanghai)) is None
    assert public_hours_end(site, settings, datetime(2026, 3, 2, 20, 0, tzinfo=shanghai)) is None
    # 21:00 UTC is 05:00 the next morning in Shanghai: closed, though 21:00 would be open in UTC.
    assert public_hours_end(site, settings, datetime(2026, 3, 2, 21, 0, tzinfo=UTC)) is None
    night = Site(public_video_from=time(22, 0), public_video_until=time(2, 0))  # across midnight
    end = public_hours_end(night, settings, datetime(2026, 3, 2, 23, 0, tzinfo=shanghai))
    assert end == datetime(2026, 3, 3, 2, 0, tzinfo=shanghai)
    assert public_hours_end(night, settings, datetime(2026, 3, 3, 1, 0, tzinfo=shanghai)) == end
    assert public_hours_end(night, settings, datetime(2026, 3, 3, 12, 0, tzinfo=shanghai)) is None
