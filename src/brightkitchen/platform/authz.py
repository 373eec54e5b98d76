"""Who the caller is and what it may see. Deny by default: every query goes through a scope here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.users.models import Role


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a person (with a role) or an edge device (bound to one site)."""

    kind: str  # "user" or "device"
    id: int
    role: Role | None
    region_id: int | None
    region_path: str | None
    site_id: int | None
    token_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.kind == "user" and self.role == Role.admin and self.region_path is None

    @property
    def is_device(self) -> bool:
        return self.kind == "device"

    def has_role(self, *roles: Role) -> bool:
        return self.kind == "user" and self.role in roles


def region_path_clause(principal: Principal, path_column: Any) -> ColumnElement[bool]:
    """Restricts a region path column to the caller's subtree."""
    if principal.is_admin:
        return true()
    if principal.region_path is not None:
        return path_column.startswith(principal.region_path, autoescape=True)
    return false()


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
    return region is not None and region.path.startswith(principal.region_path)
