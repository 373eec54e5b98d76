from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime, utcnow


class Concern(Base):
    """A concern reported by a member of the public on a site's public page (家长反映).

    The client address is kept only as a keyed hash: enough to rate-limit, nothing to identify anyone by.
    """

    __tablename__ = "concerns"
    __table_args__ = (
        Index("ix_concerns_site_id_created_at", "site_id", "created_at"),
        Index("ix_concerns_client_hash_created_at", "client_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    text: Mapped[str] = mapped_column(Text)
    client_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
