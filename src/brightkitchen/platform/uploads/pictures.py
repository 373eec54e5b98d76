"""Each camera's latest still picture, sent by its edge device now and then: what the cameras page and a
site's public page show. One picture per camera is kept; the previous one is deleted when replaced."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.sites.models import Camera
from brightkitchen.platform.storage.base import EvidenceMissing, EvidenceStore, InvalidKey, new_key
from brightkitchen.platform.uploads.content import jpeg_problem, sniff

log = logging.getLogger(__name__)
MAX_PICTURE_BYTES = 2 * 1024 * 1024


def store_latest_picture(
    session: Session, store: EvidenceStore, device: Principal, camera_key: str, data: bytes, now: datetime
) -> None:
    assert device.site_id is not None
    camera = session.scalar(select(Camera).where(Camera.site_id == device.site_id, Camera.key == camera_key))
    if camera is None:
        raise Problem(404, "Not found", f"camera '{camera_key}' is not registered at this site", code="not_found")
    if sniff(data) != "image/jpeg":
        raise Problem(415, "Unsupported media type", "the picture must be a JPEG by content",
                      code="unsupported_media_type")  # fmt: skip
    problem = jpeg_problem(data)
    if problem:
        raise Problem(422, "Invalid request", problem, errors=[{"field": "body", "message": problem}],
                      code="truncated")  # fmt: skip
    key = new_key(device.site_id, "image/jpeg", now)
    store.put(key, data, "image/jpeg")
    previous = camera.latest_picture_key
    camera.latest_picture_key, camera.latest_picture_at = key, now
    try:
        session.commit()
    except Exception:
        with contextlib.suppress(InvalidKey, EvidenceMissing, OSError):
            store.delete(key)  # nothing half-stored
        raise
    if previous:
        try:
            store.delete(previous)
        except (InvalidKey, EvidenceMissing, OSError) as exc:  # a leftover file is harmless; say so
            log.warning("previous picture %s of camera %s not deleted: %s", previous, camera.id, exc)
