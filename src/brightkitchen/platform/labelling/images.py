"""Adding frames to label: an alert's snapshot with its boxes, a camera's latest picture, or a frame the
browser uploads. Each frame is copied into its own file through the evidence store (an alert's snapshot may be
replaced by a better one later, a camera's picture is replaced all the time), so a labelled frame never moves."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertDetection, AlertEvidence
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.labelling import boxes as bx
from brightkitchen.platform.labelling.frames import BadImage, Frame, checked_frame
from brightkitchen.platform.labelling.models import ImageSource, ImageStatus, LabelImage
from brightkitchen.platform.labelling.vocab import Task, task_of_code
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.storage.base import EvidenceMissing, EvidenceStore, InvalidKey, new_key
from brightkitchen.platform.tenancy import get_visible
from brightkitchen.platform.users.models import User

# The platform's own frames show minors and kitchen staff: for training inside the platform, never to publish.
OWN_LICENCE = "restricted"


def bad_image(detail: str, field: str = "image") -> Problem:
    return Problem(422, "Bad image", detail, errors=[{"field": field, "message": detail}], code="bad_image")


def frame_of(data: bytes, field: str = "image") -> Frame:
    try:
        return checked_frame(data)
    except BadImage as exc:
        raise bad_image(str(exc), field) from exc


def person_name(session: Session, principal: Principal) -> str:
    """How a person is named in reviews and logs: their display name, else their user name."""
    row = session.execute(select(User.display_name, User.username).where(User.id == principal.id)).first()
    if row is None:
        return f"user {principal.id}"
    return str(row.display_name or row.username)


def store_image(session: Session, store: EvidenceStore, frame: Frame, row: LabelImage, now: datetime) -> LabelImage:
    """Writes the frame's file and inserts ``row`` for it; the file goes again if the row cannot be inserted.
    No savepoint: on SQLite one opened before the request's first write would commit on release."""
    key = new_key(row.site_id, "image/jpeg", now)
    store.put(key, frame.jpeg, "image/jpeg")
    row.storage_key, row.sha256, row.size = key, frame.sha256, len(frame.jpeg)
    row.width, row.height = frame.width, frame.height
    session.add(row)
    try:
        session.flush()
    except BaseException:
        discard(store, [key])
        raise
    return row


def discard(store: EvidenceStore, keys: Sequence[str]) -> None:
    for key in keys:
        with contextlib.suppress(InvalidKey, EvidenceMissing, OSError):
            store.delete(key)  # best effort: the error that brought us here is the one to report


def _site_attribution(session: Session, site_id: int) -> str:
    return session.scalar(select(Site.name).where(Site.id == site_id)) or ""


def from_alert(
    session: Session, store: EvidenceStore, principal: Principal, alert_id: int, now: datetime
) -> tuple[LabelImage, bool]:
    """The alert's image, made on first asking: (image, True) when made now, (image, False) when it existed."""
    alert = get_visible(session, principal, Alert, alert_id, "alert")
    existing = session.scalar(select(LabelImage).where(LabelImage.alert_id == alert.id))
    if existing is not None:
        return existing, False
    snapshot = session.execute(
        select(AlertEvidence.storage_key, AlertDetection.started_at)
        .outerjoin(AlertDetection, AlertDetection.id == AlertEvidence.detection_id)
        .where(AlertEvidence.alert_id == alert.id, AlertEvidence.kind == "snapshot")
        .order_by(AlertEvidence.id)
    ).first()
    try:
        data = store.read(snapshot.storage_key) if snapshot is not None else None
    except (EvidenceMissing, InvalidKey):
        data = None
    if snapshot is None or data is None:
        raise Problem(
            422,
            "No snapshot",
            "this alert has no snapshot to label",
            code="no_snapshot",
            errors=[{"field": "alert_id", "message": "the alert has no snapshot"}],
        )
    frame = frame_of(data, "alert_id")
    task = task_of_code(alert.code)
    # The boxes are in pixels of the analysed frame, which may be smaller than the stored picture.
    width, height = alert.frame_width or frame.width, alert.frame_height or frame.height
    kept, dropped = bx.from_alert(task, alert.boxes or [], width, height)
    row = LabelImage(
        task=task,
        source=ImageSource.alert,
        origin=ImageSource.alert,
        alert_id=alert.id,
        site_id=alert.site_id,
        camera_id=alert.camera_id,
        captured_at=snapshot.started_at or alert.started_at,
        boxes=[b.as_dict() for b in kept],
        dropped_labels=dropped,
        licence=OWN_LICENCE,
        attribution=_site_attribution(session, alert.site_id),
        created_by=principal.id,
        created_at=now,
    )
    try:
        return store_image(session, store, frame, row, now), True
    except IntegrityError:
        # The same alert was taken at the same moment by someone else: theirs is the image. Nothing else was
        # written in this request, so rolling it back loses nothing.
        session.rollback()
        taken = session.scalar(select(LabelImage).where(LabelImage.alert_id == alert.id))
        if taken is None:
            raise
        return taken, False


def _camera_image(
    session: Session,
    store: EvidenceStore,
    principal: Principal,
    camera: Camera,
    task: Task,
    frame: Frame,
    source: ImageSource,
    captured_at: datetime,
    now: datetime,
) -> LabelImage:
    row = LabelImage(
        task=task,
        source=source,
        origin=source,
        site_id=camera.site_id,
        camera_id=camera.id,
        captured_at=captured_at,
        boxes=[],
        dropped_labels=[],
        licence=OWN_LICENCE,
        attribution=_site_attribution(session, camera.site_id),
        status=ImageStatus.unreviewed,
        created_by=principal.id,
        created_at=now,
    )
    return store_image(session, store, frame, row, now)


def from_picture(
    session: Session, store: EvidenceStore, principal: Principal, camera_id: int, task: Task, now: datetime
) -> LabelImage:
    """The camera's latest still picture, copied, with no boxes."""
    camera = get_visible(session, principal, Camera, camera_id, "camera")
    data = None
    if camera.latest_picture_key:
        with contextlib.suppress(EvidenceMissing, InvalidKey):
            data = store.read(camera.latest_picture_key)
    if data is None:
        raise Problem(
            422,
            "No picture",
            "this camera has sent no picture yet",
            code="no_picture",
            errors=[{"field": "camera_id", "message": "the camera has no picture"}],
        )
    frame = frame_of(data, "camera_id")
    captured = camera.latest_picture_at or now
    return _camera_image(session, store, principal, camera, task, frame, ImageSource.picture, captured, now)


def from_upload(
    session: Session,
    store: EvidenceStore,
    principal: Principal,
    camera_id: int,
    task: Task,
    data: bytes,
    captured_at: datetime | None,
    now: datetime,
) -> LabelImage:
    """A frame the reviewer grabbed (a recording's frame, say) and the browser sent, for one camera."""
    camera = get_visible(session, principal, Camera, camera_id, "camera")
    frame = frame_of(data)
    return _camera_image(session, store, principal, camera, task, frame, ImageSource.upload, captured_at or now, now)
