"""Exporting a dataset version: the archive is written to a temporary file (a dataset may be far larger than
memory should hold), and every export is logged with who, when, the format and the counts."""

from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.labelling.bundle import counts, load_items
from brightkitchen.platform.labelling.export_coco import write_coco
from brightkitchen.platform.labelling.export_yolo import write_yolo
from brightkitchen.platform.labelling.images import person_name
from brightkitchen.platform.labelling.models import Dataset, DatasetExport
from brightkitchen.platform.labelling.schemas import ExportPublic
from brightkitchen.platform.storage.base import EvidenceStore

log = logging.getLogger(__name__)
WRITERS = {"yolo": write_yolo, "coco": write_coco}


def archive_name(dataset: Dataset, fmt: str) -> str:
    return f"dataset-{dataset.id}-v{dataset.version}-{fmt}.zip"


def export(
    session: Session, store: EvidenceStore, principal: Principal, dataset: Dataset, fmt: str, now: datetime
) -> Path:
    """The archive's temporary file (the caller removes it once sent); the export is logged in the session."""
    items = load_items(session, dataset)
    fd, name = tempfile.mkstemp(prefix="bk-dataset-", suffix=".zip")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            written = WRITERS[fmt](zf, store, dataset, items)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    user = person_name(session, principal)
    n = counts(written)
    session.add(DatasetExport(dataset_id=dataset.id, user_id=principal.id, user_name=user, format=fmt, at=now, **n))
    session.flush()
    log.info(
        "dataset %s v%s exported as %s by %s: %s images, %s boxes",
        dataset.id,
        dataset.version,
        fmt,
        user,
        n["images"],
        n["boxes"],
    )
    return path


def export_log(session: Session, dataset: Dataset) -> list[ExportPublic]:
    rows = session.scalars(
        select(DatasetExport).where(DatasetExport.dataset_id == dataset.id).order_by(DatasetExport.id.desc())
    )
    return [ExportPublic(id=r.id, user_name=r.user_name, format=r.format, at=r.at, images=r.images) for r in rows]
