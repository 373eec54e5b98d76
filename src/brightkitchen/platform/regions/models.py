from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime, utcnow


class RegionKind(StrEnum):
    city = "city"
    district = "district"
    street = "street"


# A region may only sit under the kind before it: city -> district (branch) -> street.
PARENT_KIND: dict[RegionKind, RegionKind | None] = {
    RegionKind.city: None,
    RegionKind.district: RegionKind.city,
    RegionKind.street: RegionKind.district,
}


class Region(Base):
    """A node of the region tree. ``path`` ("/1/4/9/") makes subtree scoping one indexed LIKE."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    path: Mapped[str] = mapped_column(String(512), index=True, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
