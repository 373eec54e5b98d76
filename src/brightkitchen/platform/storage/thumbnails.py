"""Thumbnails for lists: a small JPEG made from an evidence picture the first time it is asked for.

Made on first request rather than at ingest: every picture already stored gets one without a backfill,
ingestion (and an edge's upload) never waits for it, and pictures no list ever shows cost nothing. It is
stored beside its picture under the derived key (``thumbnail_key``), so it is made once and then served,
signed and reclaimed by the same rules as the evidence itself.
"""

from __future__ import annotations

from datetime import datetime

import cv2
import numpy as np

from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage.base import EvidenceStore, source_key, thumbnail_key
from brightkitchen.platform.storage.links import signed_url

WIDTH = 240  # lists show it at about 90-100 css px: sharp up to a 2.5x phone screen, 3-5 KB a picture
QUALITY = 70


class UnreadablePicture(ValueError):
    """The stored picture cannot be decoded: no thumbnail can be made from it."""


def make_thumbnail(data: bytes, width: int = WIDTH, quality: int = QUALITY) -> bytes:
    """A JPEG at most ``width`` pixels wide, with the picture's aspect ratio."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if image is None or image.size == 0:
        raise UnreadablePicture("the picture cannot be decoded")
    h, w = image.shape[:2]
    if w > width:
        image = cv2.resize(image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_OPTIMIZE, 1])
    if not ok:
        raise UnreadablePicture("the thumbnail could not be encoded")
    return bytes(buf.tobytes())


def ensure_thumbnail(store: EvidenceStore, key: str) -> None:
    """Makes the thumbnail ``key`` from its picture unless it exists. The store writes whole files only, so a
    failure leaves nothing behind; two first requests at once both write the same bytes.

    Raises ``EvidenceMissing`` when the picture is gone and ``UnreadablePicture`` when it is not a picture."""
    if store.exists(key):
        return
    store.put(key, make_thumbnail(store.read(source_key(key))), "image/jpeg")


def list_picture_url(key: str | None, settings: Settings, now: datetime) -> str | None:
    """The signed thumbnail link a list shows for a picture; None without a picture, or with thumbnails off
    (the page then shows the picture itself)."""
    if key is None or not settings.list_thumbnails:
        return None
    return signed_url(settings.secret_key, thumbnail_key(key), now, settings.evidence_url_ttl_s)
