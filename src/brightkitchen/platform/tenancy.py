"""The scoping and query kernel over the tenancy tables (the region tree and its sites): every scoped
query goes through here. A row outside the caller's scope answers exactly like a missing one (404)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal, path_in_scope, region_path_clause
from brightkitchen.platform.problems import not_found
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.sites.models import Site

ModelT = TypeVar("ModelT")


def site_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause on ``Site`` limiting it to what the caller may see."""
    if principal.is_admin:
        return true()
    if principal.site_id is not None:
        return Site.id == principal.site_id
    if principal.region_path is not None:
        subtree = select(Region.id).where(region_path_clause(principal, Region.path))
        return Site.region_id.in_(subtree)
    return false()


def visible_site_ids(principal: Principal) -> Any:
    """A subquery of the site ids the caller may see; join other tables' site_id against it."""
    return select(Site.id).where(site_scope(principal)).scalar_subquery()


def can_see_site(session: Session, principal: Principal, site_id: int) -> bool:
    return session.scalar(select(Site.id).where(Site.id == site_id, site_scope(principal))) is not None


def can_see_region(session: Session, principal: Principal, region_id: int) -> bool:
    if principal.is_admin:
        return True
    if principal.region_path is None:
        return False
    region = session.get(Region, region_id)
    return region is not None and path_in_scope(principal, region.path)


def visible_region(session: Session, principal: Principal, region_id: int) -> Region:
    """The one 404 rule for a region: unknown or outside the caller's scope answers like missing."""
    region = session.get(Region, region_id)
    if region is None or not can_see_region(session, principal, region_id):
        raise not_found("region")
    return region


def subtree_ids(region: Region) -> Select[Any]:
    """The ids of a region and every region below it (one indexed prefix match on the path)."""
    return select(Region.id).where(Region.path.startswith(region.path, autoescape=True))


def in_region(session: Session, principal: Principal, region_id: int) -> ColumnElement[bool]:
    """The single region-subtree filter on ``Site``: sites in that region's subtree. An unknown region, or
    one outside the caller's scope, is a 404 like a missing one, for every list that filters by region."""
    return Site.region_id.in_(subtree_ids(visible_region(session, principal, region_id)))


def region_ids(path: str) -> list[int]:
    """ "/1/4/9/" -> [1, 4, 9], root first."""
    return [int(part) for part in path.strip("/").split("/") if part]


def region_has_sites(session: Session, region_id: int) -> bool:
    return session.scalar(select(Site.id).where(Site.region_id == region_id).limit(1)) is not None


def get_visible(session: Session, principal: Principal, model: type[ModelT], object_id: int, name: str) -> ModelT:
    """One row by id through the scope: ``model`` is ``Site`` or has a ``site_id`` column. Another
    tenant's row answers exactly like a missing one."""
    stmt: Select[Any] = select(model).where(model.id == object_id)  # type: ignore[attr-defined]
    if model is not Site:
        stmt = stmt.join(Site, Site.id == model.site_id)  # type: ignore[attr-defined]
    row = session.scalar(stmt.where(site_scope(principal)))
    if row is None:
        raise not_found(name)
    return row
