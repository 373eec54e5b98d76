"""Model versions (the file and its card), assignments to a region or a site, and the audit trail of changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime, utcnow


class ModelVersion(Base):
    """One uploaded model: the card's name and version, the file (named by its sha256) and the card itself."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_model_versions_name_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(128))
    card: Mapped[dict[str, Any]] = mapped_column(JSON)  # the validated card, its ``file`` the stored name
    notes: Mapped[str] = mapped_column(Text, default="")
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ModelAssignment(Base):
    """Which version of a model (by name) a region subtree or one site runs. One row per (name, target):
    assigning another version of the same name to the target replaces the row."""

    __tablename__ = "model_assignments"
    __table_args__ = (
        # NULLs are distinct in both databases, so a region row never collides with a site row.
        UniqueConstraint("model_name", "region_id", name="uq_model_assignments_model_name_region_id"),
        UniqueConstraint("model_name", "site_id", name="uq_model_assignments_model_name_site_id"),
        CheckConstraint(
            "(scope = 'region' AND region_id IS NOT NULL AND site_id IS NULL)"
            " OR (scope = 'site' AND site_id IS NOT NULL AND region_id IS NULL)",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id", ondelete="RESTRICT"), index=True)
    model_name: Mapped[str] = mapped_column(String(64))  # the version's name, kept here for the unique rule
    scope: Mapped[str] = mapped_column(String(8))  # region | site
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), index=True, default=None
    )
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True, default=None)
    canary: Mapped[bool] = mapped_column(Boolean, default=False)
    label_thresholds: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ModelAudit(Base):
    """Who changed the registry, when and how (upload, delete, assign, unassign, promote). Rows are only added;
    they keep names and versions, not links, so they outlive what they describe."""

    __tablename__ = "model_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    model_id: Mapped[int | None] = mapped_column(Integer, default=None)
    model_name: Mapped[str] = mapped_column(String(64))
    model_version: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
