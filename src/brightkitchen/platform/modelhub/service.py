"""Model versions: upload (checked, stored by content hash), list, read and delete."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.modelhub import audit
from brightkitchen.platform.modelhub.cards import bad_model, check_model, parse_card
from brightkitchen.platform.modelhub.files import CONTENT_TYPE, model_key
from brightkitchen.platform.modelhub.models import ModelAssignment, ModelVersion
from brightkitchen.platform.modelhub.schemas import ModelVersionOut
from brightkitchen.platform.problems import Problem, not_found
from brightkitchen.platform.storage.base import EvidenceStore
from brightkitchen.platform.users.models import User


def duplicate_version(name: str, version: str) -> Problem:
    return Problem(409, "Conflict", f"model {name} version {version} is already registered", code="duplicate_version")


def too_large(limit: int) -> Problem:
    return Problem(413, "Model file too large", f"the model file is over the limit of {limit} bytes", code="too_large")


def upload(
    session: Session,
    store: EvidenceStore,
    principal: Principal,
    data: bytes | None,
    raw_card: bytes | None,
    notes: str,
    limit: int,
    now: datetime,
) -> ModelVersion:
    """Checks the card and the model, then writes the row and the file (in that order: a refused row leaves no
    file behind). 413 ``too_large``, 422 ``bad_card`` / ``bad_model``, 409 ``duplicate_version``."""
    if data is not None and len(data) > limit:
        raise too_large(limit)
    if not data:
        raise bad_model("send the model as the 'file' part (.onnx)")
    if raw_card is None:
        raise Problem(422, "Invalid model card", "send the model card as the 'card' part (YAML or JSON)",
                      errors=[{"field": "card", "message": "required"}], code="bad_card")  # fmt: skip
    sha256 = hashlib.sha256(data).hexdigest()
    key = model_key(sha256)
    card, document = parse_card(raw_card, key)
    if session.scalar(select(ModelVersion.id).where(ModelVersion.name == card.name,
                                                    ModelVersion.version == card.version)):  # fmt: skip
        raise duplicate_version(card.name, card.version)
    check_model(data, card)
    version = ModelVersion(
        name=card.name,
        version=card.version,
        sha256=sha256,
        size=len(data),
        storage_key=key,
        card=document,
        notes=notes,
        uploaded_by=principal.id,
        uploaded_at=now,
    )
    try:
        with session.begin_nested():  # a racing upload of the same name and version: 409, not 500
            session.add(version)
    except IntegrityError as exc:
        raise duplicate_version(card.name, card.version) from exc
    if not store.exists(key):  # the same bytes under another version share one file
        store.put(key, data, CONTENT_TYPE)
    audit.record(session, principal, "upload", version, now, sha256=sha256, size=len(data))
    return version


def get(session: Session, model_id: int) -> ModelVersion:
    version = session.get(ModelVersion, model_id)
    if version is None:
        raise not_found("model")
    return version


def list_versions(session: Session, name: str | None) -> Sequence[ModelVersion]:
    stmt = select(ModelVersion).order_by(ModelVersion.uploaded_at.desc(), ModelVersion.id.desc())
    if name:
        stmt = stmt.where(ModelVersion.name == name)
    return session.scalars(stmt).all()


def delete(session: Session, store: EvidenceStore, principal: Principal, version: ModelVersion, now: datetime) -> None:
    """409 ``assigned`` while any assignment names it; the file goes with the last version that uses it."""
    if session.scalar(select(ModelAssignment.id).where(ModelAssignment.model_id == version.id).limit(1)):
        raise Problem(409, "Conflict", "the model version is still assigned; remove its assignments first",
                      code="assigned")  # fmt: skip
    audit.record(session, principal, "delete", version, now, sha256=version.sha256)
    session.delete(version)
    session.commit()  # the row goes first: a crash in between leaves an unused file, never a row without one
    if session.scalar(select(ModelVersion.id).where(ModelVersion.sha256 == version.sha256).limit(1)) is None:
        store.delete(version.storage_key)


def present(session: Session, versions: Sequence[ModelVersion]) -> list[ModelVersionOut]:
    """The answer for versions, with the uploaders' names in one query."""
    uploader_ids = {v.uploaded_by for v in versions if v.uploaded_by is not None}
    rows = session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(uploader_ids))).all()
    shown = {uid: display or username for uid, display, username in rows}
    return [
        ModelVersionOut(
            id=v.id,
            name=v.name,
            version=v.version,
            sha256=v.sha256,
            size=v.size,
            card=v.card,
            notes=v.notes,
            uploaded_by=v.uploaded_by,
            uploaded_by_name=shown.get(v.uploaded_by) if v.uploaded_by is not None else None,
            uploaded_at=v.uploaded_at,
            labels=list(v.card.get("labels", [])),
            codes=list(dict.fromkeys(v.card.get("violations", {}).values())),
        )
        for v in versions
    ]
