"""Who the caller is and the one rule for region scope. Deny by default. The kernel: it knows no domain
model; the clauses over sites and regions are built on it in ``tenancy``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, true

from brightkitchen.platform.roles import Role


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


def path_in_scope(principal: Principal, path: str) -> bool:
    """The same rule as ``region_path_clause``, for a region path already loaded."""
    if principal.is_admin:
        return True
    return principal.region_path is not None and path.startswith(principal.region_path)
