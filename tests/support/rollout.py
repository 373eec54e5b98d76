"""Helpers for the roll-out, bulletin and report tests: device requests as the edge sends them, a movable
clock for the API, and sites put straight into a given roll-out state. The shared helpers (settings, real
image bytes, device headers) come from ``tests.support`` and are re-exported here for these tests."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from brightkitchen.platform.deps import get_now
from brightkitchen.platform.rollout.models import (
    Acceptance,
    AlertTestRequest,
    RolloutStatusChange,
    SiteRollout,
    Training,
)
from brightkitchen.platform.sites.models import Camera, KitchenArea, Site
from brightkitchen.platform.users.models import Role
from tests import factories as f
from tests.support import device_headers, jpeg_bytes, make_settings, png_bytes

__all__ = ["device_headers", "jpeg_bytes", "make_settings", "png_bytes"]

REQUIRED = ("storage", "prep", "cooking", "washing")


def heartbeat(camera_keys: list[str], status: str = "online") -> dict[str, Any]:
    return {
        "sent_at": datetime.now(UTC).isoformat(),
        "software_version": "edge-1.0.0",
        "cameras": [{"camera_key": k, "status": status, "fps": 5.0} for k in camera_keys],
    }


def edge_test_event(site_code: str, camera_key: str, snapshot: bytes) -> dict[str, Any]:
    """The multipart body of POST /device/events for the edge's answer to a test request."""
    now = datetime.now(UTC)
    doc = {
        "event_id": f"ev-{uuid.uuid4().hex}",
        "site_code": site_code,
        "camera_key": camera_key,
        "code": "no_mask",
        "started_at": (now - timedelta(seconds=1)).isoformat(),
        "ended_at": now.isoformat(),
        "score": 1.0,
        "boxes": [],
        "model_name": "self-test",
        "model_version": "1",
        "frame_width": 160,
        "frame_height": 120,
        "test": True,
        "evidence": [
            {
                "kind": "snapshot",
                "sha256": hashlib.sha256(snapshot).hexdigest(),
                "size": len(snapshot),
                "content_type": "image/jpeg",
            }
        ],
    }
    return {
        "files": {
            "event": (None, json.dumps(doc), "application/json"),
            "snapshot": ("snapshot.jpg", snapshot, "image/jpeg"),
        }
    }


@contextmanager
def clock(client: TestClient, at: datetime) -> Iterator[None]:
    """The roll-out, bulletin and report views see ``at`` as now."""
    app: Any = client.app
    app.dependency_overrides[get_now] = lambda: at
    try:
        yield
    finally:
        app.dependency_overrides.pop(get_now, None)


def equip(
    session: Session,
    site: Site,
    *,
    kinds: tuple[str, ...] = REQUIRED,
    heartbeat_at: datetime | None = None,
    login_at: datetime | None = None,
    test_at: datetime | None = None,
    trained_at: datetime | None = None,
    signed_at: datetime | None = None,
) -> None:
    """Writes the facts behind each checklist item straight to the database."""
    for kind in kinds:
        area = KitchenArea(site_id=site.id, name=f"{kind}-{site.code}", kind=kind)
        session.add(area)
        session.flush()
        seen = heartbeat_at
        session.add(
            Camera(
                site_id=site.id,
                key=f"{kind}-{site.code.lower()}",
                name=kind,
                area_id=area.id,
                status="online" if seen else "unknown",
                last_seen_at=seen,
            )
        )
    if heartbeat_at is not None:
        device, _ = f.device(session, site, f"edge-{site.code}")
        device.status, device.last_heartbeat_at = "online", heartbeat_at
        session.execute(
            update(Camera).where(Camera.site_id == site.id).values(status="online", last_seen_at=heartbeat_at)
        )
    if login_at is not None:
        user = f.user(session, f"login_{site.code.lower()}", Role.school_admin, site=site)
        user.last_login_at = login_at
    if test_at is not None:
        session.add(AlertTestRequest(site_id=site.id, requested_at=test_at, expires_at=test_at + timedelta(hours=1)))
        session.commit()
        f.alert(session, site, state="pushed", created_at=test_at + timedelta(minutes=1), test=True)
    if trained_at is not None:
        session.add(Training(site_id=site.id, trainer="张工", trained_at=trained_at))
    if signed_at is not None:
        session.add(Acceptance(site_id=site.id, inspector_name="李检查员", note="合格", signed_at=signed_at))
    session.commit()


def ready(session: Session, site: Site, at: datetime, heartbeat_at: datetime | None = None) -> None:
    """Every item done by ``at``; the heartbeat (and camera reports) at ``heartbeat_at`` (default ``at``)."""
    hb = heartbeat_at or at
    equip(session, site, heartbeat_at=hb, login_at=at, test_at=at - timedelta(hours=2), trained_at=at, signed_at=at)


def history(session: Session, site: Site, *changes: tuple[str, datetime]) -> None:
    """Past status changes, and the stored current status they end in."""
    for status, at in changes:
        session.add(RolloutStatusChange(site_id=site.id, status=status, at=at))
    status, since = changes[-1]
    first = next((at for s, at in changes if s == "accepted"), None)
    session.add(
        SiteRollout(site_id=site.id, status=status, status_since=since, first_accepted_at=first, evaluated_at=since)
    )
    session.commit()
