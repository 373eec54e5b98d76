"""Uploads at once over real HTTP: the same event ~10 times is exactly one alert, no stray files; ~10 detections
of one camera at once are one episode."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertAudit, AlertDetection, AlertEvidence
from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support as s

PARALLEL = 10


def test_concurrent_duplicates_make_one_alert(ctx: PlatformContext, session: Session, settings: Settings) -> None:
    w = f.world(session)
    body = s.parts(s.event(), s.jpeg_bytes(), s.mp4_bytes())
    headers = s.device_headers(w.device_keys["A1"])
    barrier = threading.Barrier(PARALLEL)

    with s.running_server(create_app(ctx=ctx)) as base:

        def upload(_: int) -> httpx.Response:
            with httpx.Client(base_url=base, timeout=60) as http:
                barrier.wait()
                return http.post("/api/v1/device/events", headers=headers, **body)

        with ThreadPoolExecutor(PARALLEL) as pool:
            responses = list(pool.map(upload, range(PARALLEL)))

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (PARALLEL - 1) + [201], [r.text for r in responses]
    ids = {r.json()["alert_id"] for r in responses}
    assert len(ids) == 1
    assert sum(1 for r in responses if r.json()["duplicate"] is False) == 1
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Alert)) == 1
    assert session.scalar(select(func.count()).select_from(AlertEvidence)) == 2
    assert session.scalar(select(func.count()).select_from(AlertAudit)) == 1
    # The losers of the race removed what they had written: only the winner's two files remain.
    assert len(s.stored_files(settings.evidence_dir)) == 2


def test_concurrent_detections_of_one_camera_make_one_episode(
    ctx: PlatformContext, session: Session, settings: Settings
) -> None:
    """Different events of the same camera and code at once (several tracks firing together): one alert that
    counts them all, never two episodes."""
    w = f.world(session)
    bodies = [s.parts(s.event(), s.jpeg_bytes(), s.mp4_bytes()) for _ in range(PARALLEL)]
    headers = s.device_headers(w.device_keys["A1"])
    barrier = threading.Barrier(PARALLEL)

    with s.running_server(create_app(ctx=ctx)) as base:

        def upload(i: int) -> httpx.Response:
            with httpx.Client(base_url=base, timeout=60) as http:
                barrier.wait()
                return http.post("/api/v1/device/events", headers=headers, **bodies[i])

        with ThreadPoolExecutor(PARALLEL) as pool:
            responses = list(pool.map(upload, range(PARALLEL)))

    assert [r.status_code for r in responses] == [201] * PARALLEL, [r.text for r in responses]
    answers = [r.json() for r in responses]
    assert len({a["alert_id"] for a in answers}) == 1
    assert sorted(a["outcome"] for a in answers) == ["joined"] * (PARALLEL - 1) + ["opened"]
    assert sorted(a["detection_count"] for a in answers) == list(range(1, PARALLEL + 1))
    session.expire_all()
    (alert,) = session.scalars(select(Alert)).all()
    assert alert.detection_count == PARALLEL
    assert session.scalar(select(func.count()).select_from(AlertDetection)) == PARALLEL
    assert session.scalar(select(func.count()).select_from(AlertAudit)) == 1  # one birth
    # One snapshot (the best) and every clip, up to the cap: nothing written that is not referenced.
    kinds = session.scalars(select(AlertEvidence.kind)).all()
    assert sorted(kinds) == ["clip"] * min(PARALLEL, settings.episode_max_clips) + ["snapshot"]
    assert len(s.stored_files(settings.evidence_dir)) == len(kinds)
