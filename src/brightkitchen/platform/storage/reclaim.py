"""Reclaims what a killed process leaves in the local evidence folder: half-written ``.tmp-`` files, files
written just before a crash whose database rows were never committed, and thumbnails whose picture is gone
(a thumbnail has no row: it lives as long as its picture). Only old files are touched, so an upload in
progress (file written, transaction not yet committed) is never taken."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import CompoundSelect, select, union_all
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import AlertEvidence, Rectification, RectificationPhoto
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.labelling.models import LabelImage
from brightkitchen.platform.records.models import RecordPhoto
from brightkitchen.platform.rollout.models import AcceptancePhoto
from brightkitchen.platform.sites.models import Camera
from brightkitchen.platform.storage.base import InvalidKey, check_key, source_key

log = logging.getLogger(__name__)

GRACE_S = 3600.0  # far longer than any upload takes between writing its file and committing its row


@dataclass
class Reclaimed:
    temp_files: int = 0
    orphans: int = 0


def _referenced(session: Session) -> set[str]:
    """Every key a row points at (evidence, rectification and acceptance photos, cameras' latest pictures,
    frames kept for labelling, record photos)."""
    stmt: CompoundSelect[Any] = union_all(
        select(AlertEvidence.storage_key),
        select(Rectification.photo_key),
        select(RectificationPhoto.storage_key),
        select(AcceptancePhoto.storage_key),
        select(Camera.latest_picture_key).where(Camera.latest_picture_key.is_not(None)),
        select(LabelImage.storage_key),
        select(RecordPhoto.storage_key),
    )
    return {str(k) for k in session.scalars(stmt) if k}


def reclaim_orphans(session: Session, root: Path, *, now: float | None = None, grace_s: float = GRACE_S) -> Reclaimed:
    done = Reclaimed()
    if not root.is_dir():
        return done
    cutoff = (now if now is not None else time.time()) - grace_s
    # Read the references after listing the files: a file and its row made in between are both newer than cutoff.
    candidates = [p for p in root.rglob("*") if p.is_file() and p.stat().st_mtime < cutoff]
    if not candidates:
        return done
    referenced = _referenced(session)
    for path in candidates:
        if path.name.startswith(".tmp-"):
            path.unlink(missing_ok=True)
            done.temp_files += 1
            continue
        key = path.relative_to(root).as_posix()
        try:
            check_key(key)
        except InvalidKey:
            continue  # not an evidence file: not ours to remove
        if source_key(key) not in referenced:  # a thumbnail lives as long as its picture
            path.unlink(missing_ok=True)
            done.orphans += 1
    if done.temp_files or done.orphans:
        log.info("reclaimed %d temporary and %d orphan evidence files", done.temp_files, done.orphans)
    return done


_last_run: dict[int, float] = {}  # per platform context: a full walk of the folder once an hour is plenty
EVERY_S = 3600.0


def reclaim_due(ctx: PlatformContext, now: datetime) -> Reclaimed | None:
    """The jobs-loop step: at most once an hour, and only for the local folder (S3 has lifecycle rules)."""
    if ctx.settings.evidence_backend != "local":
        return None
    stamp = now.timestamp()
    if stamp - _last_run.get(id(ctx), float("-inf")) < EVERY_S:
        return None
    _last_run[id(ctx)] = stamp
    with ctx.sessions() as session:
        return reclaim_orphans(session, ctx.settings.evidence_dir, now=stamp)
