"""Incidents, not detections: a camera's detections of one code make one alert per continuous episode."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.episodes import EpisodeRule, chain_back, joins, long_enough
from brightkitchen.platform.alerts.models import Alert, AlertDetection, AlertEvidence
from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.jobs.runner import run_due_jobs
from brightkitchen.platform.notify.models import Notification
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support as s

URL = "/api/v1/device/events"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
GAP = timedelta(minutes=10)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


# --- the rules, from tables ---


@pytest.mark.parametrize(
    ("state", "start_min", "end_min", "expected"),
    [
        ("new", 5, 5.1, True),  # inside the episode
        ("pushed", 14.9, 15, True),  # 9.9 min after the last sighting (at 5)
        ("rectifying", 15, 15.1, True),  # exactly the gap: still the same episode
        ("new", 15.01, 15.1, False),  # a quiet gap longer than 10 min
        ("false_positive", 6, 7, True),  # a false positive keeps counting, stays what it is
        ("submitted", 6, 7, False),  # never reopened
        ("closed", 6, 7, False),
        ("new", -12, -10.5, False),  # a late detection from well before the episode
        ("new", -12, -9, True),  # a late detection ending within the gap before it started
    ],
)
def test_joins(state: str, start_min: float, end_min: float, expected: bool) -> None:
    # The alert's episode: first seen at 0, last seen at 5.
    assert joins(state, at(0), at(5), at(start_min), at(end_min), GAP) is expected


def _det(start_min: float, end_min: float) -> AlertDetection:
    return AlertDetection(started_at=at(start_min), ended_at=at(end_min))


def test_chain_back_stops_at_the_first_quiet_gap() -> None:
    rows = [_det(0, 1), _det(20, 21), _det(29, 30), _det(38, 39)]
    chain = chain_back(rows, at(45), GAP)  # a new detection starting at 45
    assert [(d.started_at, d.ended_at) for d in chain] == [(at(38), at(39)), (at(29), at(30)), (at(20), at(21))]
    assert chain_back(rows, at(60), GAP) == []


@pytest.mark.parametrize(("minutes", "minimum_s", "expected"), [(1, 300, False), (5, 300, True), (0.1, 0, True)])
def test_long_enough(minutes: float, minimum_s: float, expected: bool) -> None:
    assert long_enough(at(0), at(minutes), EpisodeRule(minimum_s, 600)) is expected


# --- over HTTP ---


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


def sighting(start_min: float, duration_s: float = 5, **kw: Any) -> dict[str, Any]:
    start = at(start_min)
    return s.event(started_at=start.isoformat(), ended_at=(start + timedelta(seconds=duration_s)).isoformat(), **kw)


def post(client: TestClient, w: f.World, doc: dict[str, Any], snapshot: bytes | None = None,
         clip: bytes | None = None, site: str = "A1") -> Any:  # fmt: skip
    resp = client.post(URL, headers=s.device_headers(w.device_keys[site]), **s.parts(doc, snapshot, clip))
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


def alerts(session: Session) -> list[Alert]:
    session.expire_all()
    return list(session.scalars(select(Alert).order_by(Alert.id)))


def test_twenty_minutes_of_one_cook_make_one_alert_with_a_count(client: TestClient, session: Session, w: f.World):
    answers = [post(client, w, sighting(minute)) for minute in range(20)]
    assert {a["alert_id"] for a in answers} == {answers[0]["alert_id"]}
    assert [a["outcome"] for a in answers] == ["opened"] + ["joined"] * 19
    assert [a["detection_count"] for a in answers] == list(range(1, 21))
    (alert,) = alerts(session)
    assert alert.detection_count == 20
    assert alert.started_at == at(0)
    assert alert.last_seen_at == at(19) + timedelta(seconds=5)
    in_alert = select(func.count()).select_from(AlertDetection).where(AlertDetection.alert_id == alert.id)
    assert session.scalar(in_alert) == 20


def test_a_sighting_after_the_gap_starts_a_new_alert(client: TestClient, session: Session, w: f.World):
    first = post(client, w, sighting(0))
    post(client, w, sighting(9))  # 9 min after the first sighting ended: same episode
    later = post(client, w, sighting(19.2))  # more than 10 quiet minutes after the last sighting
    assert later["outcome"] == "opened" and later["alert_id"] != first["alert_id"]
    assert [a.detection_count for a in alerts(session)] == [2, 1]


def test_other_cameras_and_codes_are_other_episodes(client: TestClient, session: Session, w: f.World):
    f.camera(session, w.site_a1, "cam-a1-2", "备餐间")
    session.commit()
    post(client, w, sighting(0))
    post(client, w, sighting(1, code="phone_use"))
    post(client, w, sighting(2, camera_key="cam-a1-2"))
    post(client, w, sighting(3))
    assert sorted((a.camera_id, a.code, a.detection_count) for a in alerts(session)) == sorted(
        [(w.cameras["A1"].id, "no_mask", 2), (w.cameras["A1"].id, "phone_use", 1), (session.scalar(
            select(Alert.camera_id).where(Alert.camera_id != w.cameras["A1"].id)), "no_mask", 1)]
    )  # fmt: skip


@pytest.mark.parametrize(("state", "joined"), [("submitted", False), ("closed", False), ("false_positive", True)])
def test_answered_alerts_are_not_reopened(client: TestClient, session: Session, w: f.World, state: str, joined: bool):
    first = post(client, w, sighting(0))
    session.execute(Alert.__table__.update().where(Alert.id == first["alert_id"]).values(state=state))
    session.commit()
    second = post(client, w, sighting(2))
    assert (second["alert_id"] == first["alert_id"]) is joined
    rows = alerts(session)
    assert rows[0].state == state  # a false positive stays a false positive while its count grows
    assert [a.detection_count for a in rows] == ([2] if joined else [1, 1])


def test_test_alerts_never_join(client: TestClient, session: Session, w: f.World):
    post(client, w, sighting(0))
    a = post(client, w, sighting(1, test=True))
    b = post(client, w, sighting(2, test=True))
    assert a["outcome"] == b["outcome"] == "opened" and a["alert_id"] != b["alert_id"]
    assert [(x.test, x.detection_count) for x in alerts(session)] == [(False, 1), (True, 1), (True, 1)]


def test_the_best_snapshot_is_kept_and_the_replaced_one_removed(
    client: TestClient, session: Session, w: f.World, settings: Settings
):
    low, best, lower = s.jpeg_bytes(320, 240), s.jpeg_bytes(640, 480), s.jpeg_bytes(160, 120)
    box = {"label": "face", "score": 0.99, "x1": 1, "y1": 2, "x2": 30, "y2": 40, "track_id": 8}
    post(client, w, sighting(0, score=0.6), low)
    post(client, w, sighting(1, score=0.97, boxes=[box], frame_width=640, frame_height=480, track_id=8), best)
    post(client, w, sighting(2, score=0.8), lower)
    (alert,) = alerts(session)
    assert (alert.score, alert.frame_width, alert.frame_height, alert.track_id) == (0.97, 640, 480, 8)
    assert alert.boxes == [box]
    snaps = session.scalars(select(AlertEvidence).where(AlertEvidence.kind == "snapshot")).all()
    assert [e.sha256 for e in snaps] == [hashlib.sha256(best).hexdigest()]
    files = s.stored_files(settings.evidence_dir)
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in files] == [hashlib.sha256(best).hexdigest()]


@pytest.fixture
def few_clips(migrated_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, PlatformContext]]:
    ctx = PlatformContext.build(s.make_settings(migrated_url, tmp_path, episode_max_clips=2))
    try:
        with TestClient(create_app(ctx=ctx)) as c:
            yield c, ctx
    finally:
        from tests.conftest import _empty_all_tables

        _empty_all_tables(ctx)
        ctx.engine.dispose()


def test_clips_are_capped_per_alert(few_clips: tuple[TestClient, PlatformContext]):
    client, ctx = few_clips
    with ctx.sessions() as session:
        w = f.world(session)
        answers = [post(client, w, sighting(m), s.jpeg_bytes(), s.mp4_bytes()) for m in range(4)]
        assert answers[-1]["detection_count"] == 4
        kinds = session.scalars(select(AlertEvidence.kind).order_by(AlertEvidence.id)).all()
        assert sorted(kinds) == ["clip", "clip", "snapshot"]
        # The first two detections' clips: the start of the episode is the evidence kept.
        kept = session.scalars(
            select(AlertDetection.event_id)
            .join(AlertEvidence, AlertEvidence.detection_id == AlertDetection.id)
            .where(AlertEvidence.kind == "clip")
            .order_by(AlertDetection.started_at)
        ).all()
        first_two = session.scalars(select(AlertDetection.event_id).order_by(AlertDetection.started_at).limit(2)).all()
        assert kept == first_two
        assert len(s.stored_files(ctx.settings.evidence_dir)) == 3


def test_one_notification_per_episode(ctx: PlatformContext, client: TestClient, session: Session, w: f.World):
    f.channel(session, "webhook", "https://hooks.example.com/a1", site=w.site_a1)
    post(client, w, sighting(0))
    assert run_due_jobs(ctx, at(1)).pushed == 1
    for minute in range(1, 6):
        post(client, w, sighting(minute))
    assert run_due_jobs(ctx, at(7)).pushed == 0
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Notification)) == 1
    (alert,) = alerts(session)
    assert (alert.state, alert.detection_count) == ("pushed", 6)


def test_duplicates_stay_idempotent_inside_an_episode(client: TestClient, session: Session, w: f.World):
    first = post(client, w, sighting(0))
    doc = sighting(1)
    joined = post(client, w, doc, s.jpeg_bytes())
    again = post(client, w, doc, s.jpeg_bytes())
    assert joined == {"alert_id": first["alert_id"], "duplicate": False, "outcome": "joined", "detection_count": 2}
    assert again == {**joined, "duplicate": True}
    assert alerts(session)[0].detection_count == 2


def _put_policy(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    return client.put("/api/v1/episode-policies", headers=headers, json=body)


def test_a_minimum_duration_holds_back_short_episodes(client: TestClient, session: Session, w: f.World):
    reg = f.bearer(session, "reg_a")
    resp = _put_policy(client, reg, region_id=w.district_a.id, code="no_mask", min_duration_s=300, gap_s=600)
    assert resp.status_code == 200, resp.text
    doc = sighting(0, duration_s=60)
    short = post(client, w, doc)
    assert short == {"alert_id": None, "duplicate": False, "outcome": "below_min", "detection_count": None}
    # Re-sent: acknowledged again (the edge stops resending), recorded once.
    assert post(client, w, doc) == {**short, "duplicate": True}
    assert alerts(session) == []
    assert session.scalar(select(func.count()).select_from(AlertDetection)) == 1
    # Other codes keep the default (no minimum); the site in another district too.
    assert post(client, w, sighting(0, duration_s=60, code="phone_use"))["outcome"] == "opened"
    assert (
        post(client, w, sighting(0, duration_s=60, site_code="B1", camera_key="cam-b1"), site="B1")["outcome"]
        == "opened"
    )
    # The episode goes on: once it has lasted 5 minutes, one alert takes in every detection so far.
    assert post(client, w, sighting(3, duration_s=60))["outcome"] == "below_min"  # 4 minutes so far
    born = post(client, w, sighting(5, duration_s=30))  # 5.5 minutes
    assert (born["outcome"], born["detection_count"]) == ("opened", 3)
    session.expire_all()
    alert = session.get(Alert, born["alert_id"])
    assert alert is not None and (alert.started_at, alert.detection_count) == (at(0), 3)
    assert alert.last_seen_at == at(5) + timedelta(seconds=30)
    assert session.scalar(
        select(func.count()).select_from(AlertDetection).where(AlertDetection.alert_id == alert.id)
    ) == 3  # fmt: skip
