"""Reviewing a frame: confirm or correct its boxes, or call it a false positive. Every review keeps its trail
(who, when, the boxes before and after) in ``label_reviews``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.labelling import boxes as bx
from brightkitchen.platform.labelling.images import person_name
from brightkitchen.platform.labelling.models import ImageStatus, LabelImage, LabelReview
from brightkitchen.platform.labelling.schemas import BoxPublic, ReviewPublic


def _record(
    session: Session,
    principal: Principal,
    image: LabelImage,
    status: ImageStatus,
    boxes: list[dict[str, Any]],
    note: str | None,
    now: datetime,
) -> LabelImage:
    name = person_name(session, principal)
    session.add(
        LabelReview(
            image_id=image.id,
            at=now,
            user_id=principal.id,
            user_name=name,
            previous_status=image.status,
            status=status,
            previous_boxes=list(image.boxes or []),
            boxes=boxes,
            note=note or "",
        )
    )
    image.status, image.boxes = status, boxes
    image.reviewed_by, image.reviewed_by_name, image.reviewed_at = principal.id, name, now
    image.history_count = (image.history_count or 0) + 1
    session.flush()
    return image


def set_boxes(
    session: Session,
    principal: Principal,
    image: LabelImage,
    raw: list[dict[str, Any]],
    note: str | None,
    now: datetime,
) -> LabelImage:
    """Confirmed when the boxes are the ones it had, corrected otherwise."""
    new = bx.checked_boxes(image.task, raw)
    unchanged = bx.same(new, bx.boxes_of(image.boxes or []))
    status = ImageStatus.confirmed if unchanged else ImageStatus.corrected
    return _record(session, principal, image, status, [b.as_dict() for b in new], note, now)


def false_positive(
    session: Session, principal: Principal, image: LabelImage, note: str | None, now: datetime
) -> LabelImage:
    """Nothing of the task is in the frame: no boxes; a dataset keeps it as a background image."""
    return _record(session, principal, image, ImageStatus.false_positive, [], note, now)


def history(session: Session, image: LabelImage) -> list[ReviewPublic]:
    rows = session.scalars(select(LabelReview).where(LabelReview.image_id == image.id).order_by(LabelReview.id))
    return [
        ReviewPublic(
            id=r.id,
            at=r.at,
            user_name=r.user_name,
            previous_status=r.previous_status,
            status=r.status,
            previous_boxes=[BoxPublic(**b) for b in r.previous_boxes or []],
            boxes=[BoxPublic(**b) for b in r.boxes or []],
            note=r.note,
        )
        for r in rows
    ]
