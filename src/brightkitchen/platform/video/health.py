"""Recording health from heartbeats, and the camera's video fields of the device configuration document.
Both are called from the device API (heartbeat handler, config builder)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.db import utcnow
from brightkitchen.platform.sites.models import Camera
from brightkitchen.platform.video.models import CameraRecording
from brightkitchen.protocol.v1 import Heartbeat, RecordingHealth


def record_recording_health(session: Session, site_id: int, heartbeat: Heartbeat, now: datetime | None = None) -> int:
    """Keeps each reported camera's ``RecordingHealth`` (cameras the site does not have are skipped). Returns
    how many were kept. Flushes; the caller commits with the rest of the heartbeat."""
    reports = {c.camera_key: c.recording for c in heartbeat.cameras if c.recording is not None}
    if not reports:
        return 0
    at = now or utcnow()
    rows = session.execute(select(Camera.key, Camera.id).where(Camera.site_id == site_id, Camera.key.in_(reports)))
    ids: dict[str, int] = {key: camera_id for key, camera_id in rows}
    store_recordings(session, {camera_id: (reports[key], at) for key, camera_id in ids.items()})
    return len(ids)


def store_recordings(session: Session, reports: Mapping[int, tuple[RecordingHealth | None, datetime]]) -> None:
    """Writes each camera's latest ``RecordingHealth`` (by camera id): one read of the rows, batched writes.
    Flushes; the caller commits."""
    kept = {camera_id: (rec, at) for camera_id, (rec, at) in reports.items() if rec is not None}
    if not kept:
        return
    rows = select(CameraRecording).where(CameraRecording.camera_id.in_(sorted(kept)))
    existing = {r.camera_id: r for r in session.scalars(rows)}
    for camera_id, (rec, at) in kept.items():
        assert rec is not None
        row = existing.get(camera_id)
        if row is None:
            row = CameraRecording(camera_id=camera_id)
            session.add(row)
        row.status = rec.status
        row.recorded_from, row.recorded_until = rec.recorded_from, rec.recorded_until
        row.days_kept, row.bytes_kept, row.video_codec = rec.days_kept, rec.bytes, rec.video_codec
        row.live_error, row.error = rec.live_error, rec.error
        row.reported_at = at
    session.flush()


def camera_video_fields(camera: Camera) -> dict[str, Any]:
    """The video fields of the camera's ``CameraConfig``: ``CameraConfig(..., **camera_video_fields(cam))``."""
    return {"live_url": camera.live_url or None, "record": camera.record, "retention_days": camera.retention_days}
