"""The photos of rectifications: checked and stored once per submission, linked to each rectification they
answer, and read back as signed links in the order the school picked them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Rectification, RectificationPhoto
from brightkitchen.platform.alerts.schemas import RectificationPhotoPublic
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.storage.base import EvidenceStore, content_type_of, new_key
from brightkitchen.platform.storage.links import signed_url
from brightkitchen.platform.uploads.photos import photo_type

MAX_PHOTOS = 6


@dataclass(frozen=True)
class StoredPhoto:
    key: str
    sha256: str
    size: int
    content_type: str


def check_photos(photos: Sequence[bytes]) -> list[str]:
    """Every photo's content type, or the refusal naming the first bad one, before anything is stored."""
    if not photos:
        raise Problem(422, "Invalid request", "a photo is required", errors=[{"field": "photos", "message": "missing"}],
                      code="photo_required")  # fmt: skip
    if len(photos) > MAX_PHOTOS:
        raise Problem(422, "Invalid request", f"at most {MAX_PHOTOS} photos", code="too_many_photos",
                      errors=[{"field": "photos", "message": f"at most {MAX_PHOTOS}"}])  # fmt: skip
    return [
        photo_type(p, field="photos" if len(photos) > 1 else "photo", subject="the photo", mismatch="not JPEG/PNG")
        for p in photos
    ]


def store_photos(store: EvidenceStore, site_id: int, photos: Sequence[bytes], now: datetime) -> list[StoredPhoto]:
    """Checks all, then writes all; a failed write removes the ones already written."""
    types = check_photos(photos)
    stored: list[StoredPhoto] = []
    try:
        for data, ctype in zip(photos, types, strict=True):
            key = new_key(site_id, ctype, now)
            store.put(key, data, ctype)
            stored.append(StoredPhoto(key, hashlib.sha256(data).hexdigest(), len(data), ctype))
    except BaseException:
        discard(store, stored)
        raise
    return stored


def discard(store: EvidenceStore, stored: Sequence[StoredPhoto]) -> None:
    for photo in stored:
        store.delete(photo.key)


def add_rectification(
    session: Session, alert_id: int, note: str, stored: Sequence[StoredPhoto], user_id: int | None, now: datetime
) -> Rectification:
    first = stored[0]
    rect = Rectification(alert_id=alert_id, note=note, photo_key=first.key, photo_sha256=first.sha256,
                         submitted_by=user_id, submitted_at=now)  # fmt: skip
    session.add(rect)
    session.flush()
    session.add_all(
        RectificationPhoto(rectification_id=rect.id, position=i, storage_key=p.key, sha256=p.sha256, size=p.size,
                           content_type=p.content_type)
        for i, p in enumerate(stored)
    )  # fmt: skip
    return rect


def photo_links(
    session: Session, rects: Sequence[Rectification], secret: str, now: datetime, ttl: int
) -> dict[int, list[RectificationPhotoPublic]]:
    """Signed links per rectification id; one made before several photos existed shows its one photo."""
    rows = session.scalars(
        select(RectificationPhoto)
        .where(RectificationPhoto.rectification_id.in_([r.id for r in rects]))
        .order_by(RectificationPhoto.rectification_id, RectificationPhoto.position, RectificationPhoto.id)
    ).all()
    links: dict[int, list[RectificationPhotoPublic]] = {r.id: [] for r in rects}
    for row in rows:
        url = signed_url(secret, row.storage_key, now, ttl)
        links[row.rectification_id].append(RectificationPhotoPublic(url=url, content_type=row.content_type))
    for r in rects:
        if not links[r.id]:
            url = signed_url(secret, r.photo_key, now, ttl)
            links[r.id].append(RectificationPhotoPublic(url=url, content_type=content_type_of(r.photo_key)))
    return links
