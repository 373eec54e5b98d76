"""The event hot path's economy, kept honest: a joined event costs a handful of statements and no read of its
own event_id before the insert; a re-sent event is caught by that insert and leaves no file behind; the
per-process site facts never refuse a camera or site that exists, and a deleted camera is not accepted for long."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertDetection, AlertEvidence
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.ingest import service
from brightkitchen.platform.ingest.sites import SiteCache
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.storage import build_store
from tests import factories as f
from tests import support as s

URL = "/api/v1/device/events"


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


@contextmanager
def statements(ctx: PlatformContext) -> Iterator[list[str]]:
    seen: list[str] = []

    def log(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    sa_event.listen(ctx.engine, "before_cursor_execute", log)
    try:
        yield seen
    finally:
        sa_event.remove(ctx.engine, "before_cursor_execute", log)


def _ingest(ctx: PlatformContext, w: f.World, doc: dict[str, Any], jpeg: bytes, sites: SiteCache | None) -> Any:
    device = w.devices["A1"]
    principal = Principal(kind="device", id=device.id, role=None, region_id=None, region_path=None,
                          site_id=w.site_a1.id)  # fmt: skip
    with ctx.sessions() as session:
        return service.ingest(session, ctx.settings, build_store(ctx.settings), principal,
                              json.dumps(doc).encode(), {"snapshot": jpeg}, datetime.now(UTC), sites)  # fmt: skip


def test_a_joined_event_costs_a_handful_of_statements(ctx: PlatformContext, w: f.World) -> None:
    jpeg = s.jpeg_bytes()
    sites = SiteCache()
    first = _ingest(ctx, w, s.event(evidence=[s.ref("snapshot", jpeg)]), jpeg, sites)
    assert first.outcome == "opened"
    with statements(ctx) as seen:
        joined = _ingest(ctx, w, s.event(evidence=[s.ref("snapshot", jpeg)], score=0.5), jpeg, sites)
    assert (joined.outcome, joined.alert_id, joined.detection_count) == ("joined", first.alert_id, 2)
    detection_reads = [q for q in seen if q.startswith("SELECT") and "FROM alert_detections" in q]
    assert detection_reads == []  # idempotency is the insert's own ON CONFLICT, not a read before it
    assert not any("FROM sites" in q for q in seen)  # the site's facts came from the cache
    # lock, episode rule, latest alert, detection insert, kept evidence, alert update (+ the pool's ping)
    assert len([q for q in seen if q != "SELECT 1"]) <= 6, seen

    with statements(ctx) as uncached:
        _ingest(ctx, w, s.event(evidence=[s.ref("snapshot", jpeg)], score=0.5), jpeg, None)
    assert len([q for q in uncached if "FROM sites" in q]) == 1


def test_a_resent_event_that_would_open_an_alert_leaves_no_file(
    client: TestClient, session: Session, w: f.World, settings: Settings
) -> None:
    """The original joined an alert since closed; the copy, placed afresh, would open one and store its picture
    before its insert finds the event_id taken: nothing of it stays, and the answer is the original's."""
    headers = s.device_headers(w.device_keys["A1"])
    opened = client.post(URL, headers=headers, files=s.parts(s.event(score=0.5), s.jpeg_bytes())["files"])
    doc = s.event(score=0.9)
    body = s.parts(doc, s.jpeg_bytes(400, 300))
    joined = client.post(URL, headers=headers, **body)
    assert joined.json()["outcome"] == "joined" and joined.json()["alert_id"] == opened.json()["alert_id"]
    session.execute(update(Alert).values(state="closed"))
    session.commit()
    files = s.stored_files(settings.evidence_dir)
    counts = (session.scalar(select(func.count()).select_from(Alert)),
              session.scalar(select(func.count()).select_from(AlertEvidence)))  # fmt: skip

    again = client.post(URL, headers=headers, **body)
    assert again.status_code == 200, again.text
    assert again.json() == {**joined.json(), "duplicate": True}
    session.expire_all()
    assert s.stored_files(settings.evidence_dir) == files
    assert (session.scalar(select(func.count()).select_from(Alert)),
            session.scalar(select(func.count()).select_from(AlertEvidence))) == counts  # fmt: skip
    assert session.scalar(select(func.count()).where(AlertDetection.event_id == doc["event_id"])) == 1


def test_a_camera_added_after_caching_is_accepted_and_a_deleted_one_refused(
    client: TestClient, session: Session, w: f.World
) -> None:
    headers = s.device_headers(w.device_keys["A1"])
    assert client.post(URL, headers=headers, **s.parts(s.event())).status_code == 201  # A1's facts now cached
    f.camera(session, w.site_a1, "cam-new")
    session.commit()
    assert client.post(URL, headers=headers, **s.parts(s.event(camera_key="cam-new"))).status_code == 201

    session.execute(Camera.__table__.delete().where(Camera.key == "cam-new"))
    session.commit()
    stale = client.post(URL, headers=headers, **s.parts(s.event(camera_key="cam-new")))
    assert stale.status_code == 503 and stale.headers["Retry-After"]  # its foreign key fails: try again
    again = client.post(URL, headers=headers, **s.parts(s.event(camera_key="cam-new")))
    assert again.status_code == 404 and again.json()["code"] == "unknown_camera"


def test_site_facts_expire(ctx: PlatformContext, session: Session, w: f.World) -> None:
    clock = [0.0]
    sites = SiteCache(ttl_s=30, clock=lambda: clock[0])
    assert sites.sender(session, w.site_a1.id, "A1", "cam-a1").camera_id == w.cameras["A1"].id
    session.execute(update(Site).where(Site.id == w.site_a1.id).values(code="A1-renamed"))
    session.commit()
    clock[0] = 29.0
    assert sites.sender(session, w.site_a1.id, "A1", "cam-a1").camera_id == w.cameras["A1"].id  # still cached
    assert sites.sender(session, w.site_a1.id, "A1-renamed", "cam-a1").camera_id == w.cameras["A1"].id  # re-read
    clock[0] = 61.0
    with pytest.raises(Problem) as refused:
        sites.sender(session, w.site_a1.id, "A1", "cam-a1")
    assert refused.value.code == "wrong_site"


class _SlowStore:
    """The local store, with puts that take a while (a slow disk's fsync): what a commit may not overtake."""

    def __init__(self, inner: Any, fail: bool = False) -> None:
        self.inner, self.fail, self.keys = inner, fail, []

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.keys.append(key)
        time.sleep(0.2)
        if self.fail:
            raise OSError("no space left on device")
        self.inner.put(key, data, content_type)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _ingest_into(ctx: PlatformContext, w: f.World, store: Any, doc: dict[str, Any], parts: dict[str, bytes]) -> Any:
    device = w.devices["A1"]
    principal = Principal(kind="device", id=device.id, role=None, region_id=None, region_path=None,
                          site_id=w.site_a1.id)  # fmt: skip
    with ctx.sessions() as session:
        return service.ingest(session, ctx.settings, store, principal, json.dumps(doc).encode(), parts,
                              datetime.now(UTC), SiteCache())  # fmt: skip


def test_every_file_is_on_disk_before_the_commit(ctx: PlatformContext, session: Session, w: f.World) -> None:
    """The files are written beside the alert's statements, but the commit (and so the answer) waits for them:
    an acknowledged event never points at a file that is not there."""
    store = _SlowStore(build_store(ctx.settings))
    at_commit: list[bool] = []

    def commit(conn: Any) -> None:
        at_commit.append(bool(store.keys) and all(store.inner.exists(k) for k in store.keys))

    jpeg, mp4 = s.jpeg_bytes(), s.mp4_bytes()
    doc = s.event(evidence=[s.ref("snapshot", jpeg), s.ref("clip", mp4)])
    sa_event.listen(ctx.engine, "commit", commit)
    try:
        result = _ingest_into(ctx, w, store, doc, {"snapshot": jpeg, "clip": mp4})
    finally:
        sa_event.remove(ctx.engine, "commit", commit)
    assert result.outcome == "opened" and len(store.keys) == 2
    assert at_commit == [True]
    kept = session.scalars(select(AlertEvidence.storage_key).where(AlertEvidence.alert_id == result.alert_id))
    assert sorted(kept) == sorted(store.keys)


def test_a_failed_evidence_write_keeps_nothing(ctx: PlatformContext, session: Session, w: f.World) -> None:
    store = _SlowStore(build_store(ctx.settings), fail=True)
    jpeg = s.jpeg_bytes()
    doc = s.event(evidence=[s.ref("snapshot", jpeg)])
    with pytest.raises(OSError):
        _ingest_into(ctx, w, store, doc, {"snapshot": jpeg})
    assert session.scalar(select(func.count()).select_from(AlertDetection)) == 0
    assert session.scalar(select(func.count()).select_from(Alert)) == 0
    assert s.stored_files(ctx.settings.evidence_dir) == []
