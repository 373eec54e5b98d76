"""Record photos: checked by content, stored once, then referred to by id from records and staff. A record
may only use photos of its own site."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.records.models import RecordPhoto
from brightkitchen.platform.records.schemas import PhotoRef
from brightkitchen.platform.storage.base import EvidenceStore, new_key
from brightkitchen.platform.uploads.photos import photo_type

PHOTO_PATH = "/api/v1/records/photos/"
MAX_PER_RECORD = 12


def photo_url(photo_id: int) -> str:
    """Read with the caller's token (scoped), like every other record read."""
    return f"{PHOTO_PATH}{photo_id}"


def store_photo(
    session: Session, store: EvidenceStore, principal: Principal, site_id: int, data: bytes, now: datetime
) -> RecordPhoto:
    ctype = photo_type(data, field="photo", subject="the photo", mismatch="not JPEG/PNG")
    key = new_key(site_id, ctype, now)
    store.put(key, data, ctype)
    try:
        row = RecordPhoto(site_id=site_id, storage_key=key, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                          content_type=ctype, uploaded_by=principal.id if principal.kind == "user" else None,
                          created_at=now)  # fmt: skip
        session.add(row)
        session.flush()
    except BaseException:
        store.delete(key)
        raise
    return row


def check_photo_ids(session: Session, site_id: int, ids: Iterable[int], field: str = "photo_ids") -> list[int]:
    """The ids in order without repeats, each a photo of ``site_id``; another site's photo is as unknown."""
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > MAX_PER_RECORD:
        raise Problem(422, "Invalid request", f"at most {MAX_PER_RECORD} photos", code="too_many_photos",
                      errors=[{"field": field, "message": f"at most {MAX_PER_RECORD}"}])  # fmt: skip
    if not wanted:
        return []
    found = set(
        session.scalars(select(RecordPhoto.id).where(RecordPhoto.id.in_(wanted), RecordPhoto.site_id == site_id))
    )
    missing = [i for i in wanted if i not in found]
    if missing:
        raise Problem(422, "Invalid request", f"unknown photo id {missing[0]}", code="unknown_photo",
                      errors=[{"field": field, "message": f"unknown photo id {missing[0]}"}])  # fmt: skip
    return wanted


def photo_list(ids: Iterable[int]) -> list[PhotoRef]:
    return [PhotoRef(photo_id=i, url=photo_url(i)) for i in ids]
