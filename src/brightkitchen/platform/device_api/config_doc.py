"""The configuration document a device fetches; its version is a hash of its content."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.modelhub.effective import assigned_models
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, KitchenArea, Site
from brightkitchen.platform.video.health import camera_video_fields
from brightkitchen.protocol.v1 import CameraConfig, DeviceConfig, WorkingHours


def build_config(session: Session, settings: Settings, site_id: int, now: datetime) -> DeviceConfig:
    site = session.get(Site, site_id)
    assert site is not None
    rows = session.execute(
        select(Camera, KitchenArea.name)
        .outerjoin(KitchenArea, KitchenArea.id == Camera.area_id)
        .where(Camera.site_id == site_id)
        .order_by(Camera.key)
    ).all()
    cameras = [
        CameraConfig(key=cam.key, name=cam.name, url=cam.stream_url, area=area, **camera_video_fields(cam))
        for cam, area in rows
    ]
    doc = DeviceConfig(
        version="-",
        site_code=site.code,
        timezone=settings.timezone,
        working_hours=WorkingHours(start=site.work_start, end=site.work_end),
        cameras=cameras,
        heartbeat_interval_s=settings.heartbeat_interval_s,
        models=assigned_models(session, site),
    )
    # generated_at is left out of the hash: the version changes only when the content does.
    version = hashlib.sha256(doc.model_dump_json().encode()).hexdigest()[:16]
    return doc.model_copy(update={"version": version, "generated_at": now})


def etag_matches(if_none_match: str | None, version: str) -> bool:
    if not if_none_match:
        return False
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/").strip('"') == version:
            return True
    return False
