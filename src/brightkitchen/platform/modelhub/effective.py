"""The effective model of a site, per model name: the site's own assignment, else the nearest region's up the
site's region tree. What a device's configuration lists and what it may download."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.modelhub.models import ModelAssignment, ModelVersion
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.tenancy import region_ids, site_scope
from brightkitchen.protocol.v1 import AssignedModel


@dataclass(frozen=True)
class Effective:
    assignment: ModelAssignment
    version: ModelVersion


def pick(rows: Iterable[tuple[ModelAssignment, ModelVersion]], site_id: int, path: str) -> dict[str, Effective]:
    """Per model name, the assignment that wins for a site at region ``path``: its own, else the deepest region."""
    depth = {rid: i for i, rid in enumerate(region_ids(path))}
    best: dict[str, tuple[int, Effective]] = {}
    for assignment, version in rows:
        if assignment.site_id == site_id:
            rank = len(depth)  # deeper than any region
        elif assignment.region_id in depth:
            rank = depth[assignment.region_id]
        else:
            continue
        held = best.get(assignment.model_name)
        if held is None or rank > held[0]:
            best[assignment.model_name] = (rank, Effective(assignment, version))
    return {name: eff for name, (_, eff) in sorted(best.items())}


def for_site(session: Session, site: Site) -> dict[str, Effective]:
    path = session.scalar(select(Region.path).where(Region.id == site.region_id)) or ""
    rows = session.execute(
        select(ModelAssignment, ModelVersion)
        .join(ModelVersion, ModelVersion.id == ModelAssignment.model_id)
        .where(or_(ModelAssignment.site_id == site.id, ModelAssignment.region_id.in_(region_ids(path))))
    )
    return pick(rows, site.id, path)


def assigned_models(session: Session, site: Site) -> list[AssignedModel]:
    """The device configuration's ``models``: each effective version with its card and the thresholds."""
    return [
        AssignedModel(
            name=eff.version.name,
            version=eff.version.version,
            sha256=eff.version.sha256,
            size=eff.version.size,
            card=eff.version.card,
            label_thresholds=eff.assignment.label_thresholds,
        )
        for eff in for_site(session, site).values()
    ]


def sites_running(session: Session, principal: Principal, version: ModelVersion) -> list[tuple[Site, Effective]]:
    """The sites in the caller's scope where ``version`` is the effective one of its name, with the winning
    assignment (canary sites first, then by name)."""
    rows = session.execute(
        select(ModelAssignment, ModelVersion)
        .join(ModelVersion, ModelVersion.id == ModelAssignment.model_id)
        .where(ModelAssignment.model_name == version.name)
    ).all()
    mine = [a for a, _ in rows if a.model_id == version.id]
    paths = session.scalars(select(Region.path).where(Region.id.in_([a.region_id for a in mine if a.region_id]))).all()
    reached = [Site.id.in_([a.site_id for a in mine if a.site_id])]
    if paths:
        subtrees = select(Region.id).where(or_(*[Region.path.startswith(p, autoescape=True) for p in paths]))
        reached.append(Site.region_id.in_(subtrees))
    candidates = session.execute(
        select(Site, Region.path).join(Region, Region.id == Site.region_id).where(or_(*reached), site_scope(principal))
    ).all()
    found = []
    for site, path in candidates:
        eff = pick(rows, site.id, path).get(version.name)
        if eff is not None and eff.version.id == version.id:
            found.append((site, eff))
    found.sort(key=lambda pair: (not is_canary(pair[1]), pair[0].name, pair[0].id))
    return found


def is_canary(eff: Effective) -> bool:
    return eff.assignment.site_id is not None and eff.assignment.canary
