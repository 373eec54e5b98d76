"""Labelling test data: an alert with a snapshot and boxes made the way ingestion makes it (the device's event
through ``ingest``), frames and YOLO archives as real bytes, and a zip reader for exports."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import cv2
import numpy as np
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.ingest.service import ingest
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.storage import build_store
from tests import support

# What the edge's mask stack sends: an unmasked face, a masked one, a person, and a face it could not call.
MASK_BOXES: list[dict[str, Any]] = [
    {"label": "face_no_mask", "score": 0.92, "x1": 64.0, "y1": 48.0, "x2": 192.0, "y2": 168.0, "track_id": 1},
    {"label": "face_mask", "score": 0.81, "x1": 320.0, "y1": 96.0, "x2": 416.0, "y2": 216.0, "track_id": 2},
    {"label": "person", "score": 0.88, "x1": 16.0, "y1": 16.0, "x2": 256.0, "y2": 470.0, "track_id": 3},
    {"label": "face", "score": 0.55, "x1": 500.0, "y1": 40.0, "x2": 560.0, "y2": 110.0},
]


def frame_jpeg(width: int = 640, height: int = 480, seed: int = 0) -> bytes:
    ok, buf = cv2.imencode(".jpg", support.image(width, height, seed), [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return bytes(buf.tobytes())


def frame_png(width: int = 64, height: int = 48, seed: int = 0) -> bytes:
    ok, buf = cv2.imencode(".png", support.image(width, height, seed))
    assert ok
    return bytes(buf.tobytes())


def alert_with_snapshot(
    session: Session,
    settings: Settings,
    site: Site,
    camera: Camera,
    device: Device,
    *,
    code: str = "no_mask",
    boxes: list[dict[str, Any]] | None = None,
    width: int = 640,
    height: int = 480,
    snapshot: bytes | None = None,
    at: datetime | None = None,
) -> int:
    """An alert with its snapshot (the original frame, no boxes burned in) and boxes in pixels of a
    ``width`` x ``height`` frame, made by the platform's own ingestion of the device's event. Its id."""
    jpeg = snapshot if snapshot is not None else frame_jpeg(width, height)
    ended = at or datetime.now(UTC)
    doc = support.event(
        site.code,
        camera.key,
        code=code,
        event_id=f"ev-{uuid.uuid4().hex}",
        boxes=boxes if boxes is not None else MASK_BOXES,
        frame_width=width,
        frame_height=height,
        started_at=(ended - timedelta(seconds=5)).isoformat(),
        ended_at=ended.isoformat(),
        evidence=[support.ref("snapshot", jpeg)],
    )
    device_principal = Principal(
        kind="device", id=device.id, role=None, region_id=None, region_path=None, site_id=site.id
    )
    result = ingest(
        session,
        settings,
        build_store(settings),
        device_principal,
        json.dumps(doc).encode(),
        {"snapshot": jpeg},
        datetime.now(UTC),
    )
    assert result.alert_id is not None
    return result.alert_id


def yolo_zip(
    names: list[str],
    images: dict[str, tuple[bytes, str | None]],
    *,
    extra: dict[str, bytes] | None = None,
    nc: int | None = None,
) -> bytes:
    """A YOLO archive: ``images`` maps a path under images/ (``train/a.jpg`` or ``a.jpg``) to (bytes, label text
    or None for no label file); ``extra`` adds raw members."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.yaml", json.dumps({"nc": len(names) if nc is None else nc, "names": names}))
        for path, (data, label) in images.items():
            zf.writestr(f"images/{path}", data)
            if label is not None:
                zf.writestr(f"labels/{path.rsplit('.', 1)[0]}.txt", label)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return out.getvalue()


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist() if not info.is_dir()}


def decoded_size(jpeg: bytes) -> tuple[int, int]:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return int(image.shape[1]), int(image.shape[0])
