"""Labelled frames, their review history, and frozen dataset versions with their items and export log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime, utcnow


class ImageSource(StrEnum):
    alert = "alert"  # an alert's snapshot: the original frame the edge sent, with the alert's boxes
    picture = "picture"  # a camera's latest still picture
    upload = "upload"  # a frame the reviewer grabbed (from a recording) and the browser uploaded
    imported = "import"  # from an imported YOLO dataset


class ImageStatus(StrEnum):
    unreviewed = "unreviewed"
    confirmed = "confirmed"
    corrected = "corrected"
    false_positive = "false_positive"


REVIEWED = (ImageStatus.confirmed, ImageStatus.corrected, ImageStatus.false_positive)


class LabelImage(Base):
    """One frame to label. Its file is stored once (JPEG, through the evidence store) and never changes; its
    boxes (relative 0..1) change with each review, and each review is kept in ``label_reviews``."""

    __tablename__ = "label_images"
    __table_args__ = (Index("ix_label_images_task_status", "task", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    # Where the frame came from, as datasets list it: the source, or for an import what the importer named.
    origin: Mapped[str] = mapped_column(String(200))
    # One image per alert: asking again for the same alert answers the same image.
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id", ondelete="SET NULL"), index=True)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime())
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(128), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=ImageStatus.unreviewed)
    boxes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    dropped_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    licence: Mapped[str] = mapped_column(String(64))
    attribution: Mapped[str] = mapped_column(String(500), default="")
    # The split group an import gave the frame; NULL: the frame's site and local day decide it.
    group_key: Mapped[str | None] = mapped_column(String(200), default=None)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    reviewed_by_name: Mapped[str | None] = mapped_column(String(128), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    history_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LabelReview(Base):
    """One review of an image: who, when, the boxes before and after. Rows are only ever added."""

    __tablename__ = "label_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("label_images.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    user_name: Mapped[str] = mapped_column(String(128))  # kept as it was: the trail outlives the account
    previous_status: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    previous_boxes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    boxes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")


class Dataset(Base):
    """A frozen version of a named dataset. ``scope_path`` is the region subtree it was made in ("" for the
    whole platform): only people who see that whole subtree see the dataset. The summary is frozen with it."""

    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("scope_path", "name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    task: Mapped[str] = mapped_column(String(16))
    scope_path: Mapped[str] = mapped_column(String(512))
    seed: Mapped[int] = mapped_column(Integer, default=0)
    fractions: Mapped[list[float]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_by_name: Mapped[str] = mapped_column(String(128))
    images: Mapped[int] = mapped_column(Integer)
    boxes: Mapped[int] = mapped_column(Integer)
    splits: Mapped[dict[str, int]] = mapped_column(JSON)
    labels: Mapped[dict[str, int]] = mapped_column(JSON)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class DatasetItem(Base):
    """One image as the dataset froze it: its boxes, split and provenance at that moment."""

    __tablename__ = "dataset_items"
    __table_args__ = (UniqueConstraint("dataset_id", "image_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    image_id: Mapped[int] = mapped_column(ForeignKey("label_images.id", ondelete="CASCADE"), index=True)
    split: Mapped[str] = mapped_column(String(8))
    group_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    boxes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    site_code: Mapped[str] = mapped_column(String(64))
    day: Mapped[str] = mapped_column(String(10))  # the frame's local day, YYYY-MM-DD
    origin: Mapped[str] = mapped_column(String(200))
    licence: Mapped[str] = mapped_column(String(64))
    attribution: Mapped[str] = mapped_column(String(500), default="")


class DatasetExport(Base):
    """The export log: every download of a dataset, by whom, when, in which format, with how much."""

    __tablename__ = "dataset_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    user_name: Mapped[str] = mapped_column(String(128))
    format: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    images: Mapped[int] = mapped_column(Integer)
    boxes: Mapped[int] = mapped_column(Integer)
