"""Assignments of model versions to a region subtree or one site: list (scoped), upsert per (name, target),
delete, and promote (switch a region to a version its canary sites already run)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal, region_path_clause
from brightkitchen.platform.modelhub import audit
from brightkitchen.platform.modelhub.models import ModelAssignment, ModelVersion
from brightkitchen.platform.modelhub.schemas import AssignmentIn, AssignmentOut
from brightkitchen.platform.problems import Problem, not_found
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.tenancy import get_visible, site_scope, subtree_ids, visible_region

# A device configuration carries at most this many models (DeviceConfig.models); with no more names in use,
# no site can be given more.
MAX_MODEL_NAMES = 32


def _invalid(field: str, message: str, code: str = "invalid") -> Problem:
    return Problem(422, "Invalid request", message, errors=[{"field": field, "message": message}], code=code)


def in_scope(principal: Principal) -> ColumnElement[bool]:
    """Assignments whose target the caller may see: a region in its subtree or a site in its scope."""
    regions = select(Region.id).where(region_path_clause(principal, Region.path))
    sites = select(Site.id).where(site_scope(principal))
    return or_(ModelAssignment.region_id.in_(regions), ModelAssignment.site_id.in_(sites))


def list_assignments(
    session: Session, principal: Principal, model_id: int | None = None, name: str | None = None
) -> Sequence[ModelAssignment]:
    stmt = select(ModelAssignment).where(in_scope(principal))
    if model_id is not None:
        stmt = stmt.where(ModelAssignment.model_id == model_id)
    if name:
        stmt = stmt.where(ModelAssignment.model_name == name)
    stmt = stmt.order_by(ModelAssignment.model_name, ModelAssignment.scope, ModelAssignment.id)
    return session.scalars(stmt).all()


def check_thresholds(version: ModelVersion, thresholds: dict[str, float]) -> None:
    unknown = sorted(set(thresholds) - set(version.card.get("labels", [])))
    if unknown:
        raise _invalid("label_thresholds", f"labels the model does not have: {unknown}", code="unknown_label")


def _target(session: Session, principal: Principal, body: AssignmentIn) -> tuple[int | None, int | None]:
    """(region_id, site_id) of the body's target, checked; 404 for an unknown one or one outside the scope."""
    if body.scope == "region":
        if body.region_id is None or body.site_id is not None:
            raise _invalid("region_id", "a region assignment names region_id (and no site_id)")
        if body.canary:
            raise _invalid("canary", "only a site assignment is a canary")
        return visible_region(session, principal, body.region_id).id, None
    if body.site_id is None or body.region_id is not None:
        raise _invalid("site_id", "a site assignment names site_id (and no region_id)")
    return None, get_visible(session, principal, Site, body.site_id, "site").id


def _check_name_room(session: Session, name: str) -> None:
    used = session.scalars(select(ModelAssignment.model_name).distinct()).all()
    if name not in used and len(used) >= MAX_MODEL_NAMES:
        raise _invalid("model_id", f"at most {MAX_MODEL_NAMES} models can be assigned at once", "too_many_models")


def upsert(
    session: Session,
    principal: Principal,
    version: ModelVersion,
    region_id: int | None,
    site_id: int | None,
    *,
    canary: bool,
    thresholds: dict[str, float],
    now: datetime,
) -> ModelAssignment:
    """The one assignment of this model name at the target, made or replaced."""
    _check_name_room(session, version.name)
    target = ModelAssignment.region_id == region_id if region_id is not None else ModelAssignment.site_id == site_id
    row = session.scalar(select(ModelAssignment).where(ModelAssignment.model_name == version.name, target))
    replaced = None
    if row is None:
        row = ModelAssignment(model_name=version.name, region_id=region_id, site_id=site_id)
        session.add(row)
    elif row.model_id != version.id:
        replaced = session.get(ModelVersion, row.model_id)
    row.model_id, row.scope = version.id, "region" if region_id is not None else "site"
    row.canary, row.label_thresholds = canary, dict(thresholds)
    row.assigned_by, row.assigned_at = principal.id, now
    try:
        with session.begin_nested():  # two admins assigning the same name to the same target at once
            session.flush()
    except IntegrityError as exc:
        raise Problem(409, "Conflict", "the target was assigned at the same time; reload", code="conflict") from exc
    audit.record(session, principal, "assign", version, now, scope=row.scope, region_id=region_id, site_id=site_id,
                 canary=canary, label_thresholds=row.label_thresholds,
                 replaced_version=replaced.version if replaced else None)  # fmt: skip
    return row


def put(session: Session, principal: Principal, body: AssignmentIn, now: datetime) -> ModelAssignment:
    version = session.get(ModelVersion, body.model_id)
    if version is None:
        raise not_found("model")
    region_id, site_id = _target(session, principal, body)
    check_thresholds(version, body.label_thresholds)
    return upsert(session, principal, version, region_id, site_id, canary=body.canary,
                  thresholds=body.label_thresholds, now=now)  # fmt: skip


def delete(session: Session, principal: Principal, assignment_id: int, now: datetime) -> None:
    row = session.scalar(select(ModelAssignment).where(ModelAssignment.id == assignment_id, in_scope(principal)))
    if row is None:
        raise not_found("model assignment")
    version = session.get(ModelVersion, row.model_id)
    assert version is not None  # RESTRICT: a version with assignments is never deleted
    audit.record(session, principal, "unassign", version, now, scope=row.scope, region_id=row.region_id,
                 site_id=row.site_id, canary=row.canary)  # fmt: skip
    session.delete(row)


def promote(
    session: Session, principal: Principal, version: ModelVersion, region_id: int, now: datetime
) -> ModelAssignment:
    """Assigns ``version`` to the region (keeping the region's thresholds for labels the version still has) and
    retires the canary site assignments below it that name this version: those with no thresholds of their own,
    or the region's, are removed; the others stay as plain site assignments (their tuning is kept)."""
    region = visible_region(session, principal, region_id)
    previous = session.scalar(
        select(ModelAssignment).where(
            ModelAssignment.model_name == version.name, ModelAssignment.region_id == region.id
        )
    )
    labels = set(version.card.get("labels", []))
    kept = {k: v for k, v in (previous.label_thresholds if previous else {}).items() if k in labels}
    row = upsert(session, principal, version, region.id, None, canary=False, thresholds=kept, now=now)
    canaries = session.scalars(
        select(ModelAssignment).where(
            ModelAssignment.model_id == version.id,
            ModelAssignment.canary.is_(True),
            ModelAssignment.site_id.in_(select(Site.id).where(Site.region_id.in_(subtree_ids(region)))),
        )
    ).all()
    removed, kept_sites = [], []
    for canary in canaries:
        if not canary.label_thresholds or canary.label_thresholds == row.label_thresholds:
            removed.append(canary.site_id)
            session.delete(canary)
        else:
            canary.canary = False
            kept_sites.append(canary.site_id)
    audit.record(session, principal, "promote", version, now, region_id=region.id, removed_site_ids=removed,
                 kept_site_ids=kept_sites)  # fmt: skip
    session.flush()
    return row


def present(session: Session, rows: Sequence[ModelAssignment]) -> list[AssignmentOut]:
    """The answer for assignments, with version, region and site names in three small queries."""
    model_ids = {r.model_id for r in rows}
    region_ids = {r.region_id for r in rows if r.region_id is not None}
    site_ids = {r.site_id for r in rows if r.site_id is not None}
    versions = dict(session.execute(select(ModelVersion.id, ModelVersion.version)
                                    .where(ModelVersion.id.in_(model_ids))).all())  # fmt: skip
    regions = dict(session.execute(select(Region.id, Region.name).where(Region.id.in_(region_ids))).all())
    sites = dict(session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids))).all())
    return [
        AssignmentOut(
            id=r.id,
            model_id=r.model_id,
            model_name=r.model_name,
            model_version=versions.get(r.model_id, ""),
            scope="region" if r.scope == "region" else "site",
            region_id=r.region_id,
            region_name=regions.get(r.region_id) if r.region_id is not None else None,
            site_id=r.site_id,
            site_name=sites.get(r.site_id) if r.site_id is not None else None,
            canary=r.canary,
            label_thresholds=r.label_thresholds,
            assigned_by=r.assigned_by,
            assigned_at=r.assigned_at,
        )
        for r in rows
    ]
