from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime, utcnow


class ConcernState(StrEnum):
    received = "received"  # 已受理
    handling = "handling"  # 处理中
    replied = "replied"  # 已答复
    closed = "closed"  # 已办结


class Concern(Base):
    """A concern reported by a member of the public on a site's public page (群众反映).

    The client address is kept only as a keyed hash: enough to rate-limit, nothing to identify anyone by. The receipt
    code is kept only as a digest: the complainant holds the code, a leaked table grants no lookups.
    """

    __tablename__ = "concerns"
    __table_args__ = (
        Index("ix_concerns_site_id_created_at", "site_id", "created_at"),
        Index("ix_concerns_client_hash_created_at", "client_hash", "created_at"),
        Index("ix_concerns_state_created_at", "state", "created_at"),
        Index("ix_concerns_receipt_digest", "receipt_digest", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    text: Mapped[str] = mapped_column(Text)
    client_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Concerns sent before receipts existed have none.
    receipt_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    state: Mapped[str] = mapped_column(String(16), default=ConcernState.received)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConcernStep(Base):
    """One step of a concern's handling: who, when, from which state to which, and the note. Only ever added."""

    __tablename__ = "concern_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("concerns.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(16))  # receive, handle, reply, close, reopen
    actor_kind: Mapped[str] = mapped_column(String(16))  # public, user
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    actor_role: Mapped[str | None] = mapped_column(String(16), default=None)
    from_state: Mapped[str | None] = mapped_column(String(16), default=None)
    to_state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
