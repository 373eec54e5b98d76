from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.problems import Problem, conflict
from brightkitchen.platform.regions.models import PARENT_KIND, Region, RegionKind
from brightkitchen.platform.regions.schemas import RegionCreate
from brightkitchen.platform.tenancy import region_has_sites, visible_region


def get_visible(session: Session, principal: Principal, region_id: int) -> Region:
    return visible_region(session, principal, region_id)


def create(session: Session, body: RegionCreate) -> Region:
    expected_parent = PARENT_KIND[body.kind]
    parent = session.get(Region, body.parent_id) if body.parent_id is not None else None
    if body.parent_id is not None and parent is None:
        raise Problem(
            422,
            "Invalid request",
            "parent region does not exist",
            errors=[{"field": "parent_id", "message": "no such region"}],
        )
    if (parent.kind if parent else None) != expected_parent:
        need = expected_parent or "no parent"
        raise Problem(
            422,
            "Invalid request",
            f"a {body.kind} region needs {need} as its parent",
            errors=[{"field": "parent_id", "message": f"must be a {need}"}],
        )
    if session.scalar(select(Region.id).where(Region.code == body.code)) is not None:
        raise conflict(f"region code '{body.code}' is taken")
    return add_region(session, body.name, body.code, body.kind, parent)


def add_region(session: Session, name: str, code: str, kind: RegionKind, parent: Region | None) -> Region:
    """Inserts a region and gives it its materialised path ("/1/4/9/"), which needs its id: one flush."""
    region = Region(name=name, code=code, kind=kind, parent_id=parent.id if parent else None, path="")
    session.add(region)
    session.flush()
    region.path = f"{parent.path if parent else '/'}{region.id}/"
    return region


def delete(session: Session, region: Region) -> None:
    has_children = session.scalar(select(Region.id).where(Region.parent_id == region.id).limit(1))
    if has_children is not None or region_has_sites(session, region.id):
        raise conflict("the region still has sub-regions or sites")
    try:
        with session.begin_nested():  # a savepoint: the refusal below leaves the session usable
            session.delete(region)
            session.flush()
    except IntegrityError as exc:
        # Users, channels, policies and the like still point at it: the caller moves or removes them first.
        raise conflict("the region is still in use (users, notification channels or other records)") from exc


def ensure_street(session: Session, region_id: int) -> Region:
    region = session.get(Region, region_id)
    if region is None or region.kind != RegionKind.street:
        raise Problem(
            422,
            "Invalid request",
            "sites belong to a street region",
            errors=[{"field": "region_id", "message": "must be a street region"}],
        )
    return region
