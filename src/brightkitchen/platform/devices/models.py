from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime, utcnow


class Device(Base):
    """An edge AI server at a site. Its credential is shown once; only a hash is kept."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    serial: Mapped[str] = mapped_column(String(64), default="")
    key_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    key_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    status: Mapped[str] = mapped_column(String(16), default="never_seen")
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    software_version: Mapped[str] = mapped_column(String(64), default="")
    # The model versions its heartbeats report (name -> version), and since when it has reported exactly these.
    model_versions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    model_versions_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # name -> "version: why", for an assigned model the device could not download, check or load
    model_errors: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
