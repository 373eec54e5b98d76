"""The roles a person can have (DESIGN section 4). Part of the kernel: authorization needs them, and the
users room stores them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    regulator = "regulator"
    school_admin = "school_admin"
    school_staff = "school_staff"


SITE_ROLES = frozenset({Role.school_admin, Role.school_staff})
REGION_ROLES = frozenset({Role.admin, Role.regulator})
