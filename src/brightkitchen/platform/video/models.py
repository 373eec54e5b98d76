"""Video: who watches which camera now (the demand), the index of live segments on disk, playback requests
and their segments, each camera's recording health as the edge reports it, and the access log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime, utcnow


class VideoWatch(Base):
    """One row per camera that has been watched live. It is "watched now" while ``last_watched_at`` is within
    ``settings.video_idle_s``; ``started_at`` is when the current stretch of watching (and streaming) began."""

    __tablename__ = "video_watches"

    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_watched_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LiveSegment(Base):
    """One live segment kept on disk (``video/live/<camera_id>/<pos>.ts``). ``pos`` runs 1, 2, 3... per camera
    with no gaps, so it is the HLS media sequence number; ``seq`` is the edge's own (rising, may skip)."""

    __tablename__ = "video_live_segments"
    __table_args__ = (
        UniqueConstraint("camera_id", "pos", name="uq_video_live_segments_camera_pos"),
        UniqueConstraint("camera_id", "seq", name="uq_video_live_segments_camera_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    pos: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger)  # the edge starts it at the wall clock's unix seconds
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_s: Mapped[float] = mapped_column(Float)
    discontinuity: Mapped[bool] = mapped_column(Boolean, default=False)
    # Discontinuities up to and including this segment: the playlist's EXT-X-DISCONTINUITY-SEQUENCE.
    disc: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class PlaybackState(StrEnum):
    pending = "pending"  # asked for; the edge has sent nothing yet
    uploading = "uploading"  # segments are arriving
    done = "done"  # the edge sent every segment it has
    failed = "failed"  # the edge has no recording for the range, or it never finished


OPEN_PLAYBACK_STATES = (PlaybackState.pending, PlaybackState.uploading)


class Playback(Base):
    """A request to play back a recorded range of one camera; part of the site's demand while open."""

    __tablename__ = "video_playbacks"
    __table_args__ = (Index("ix_video_playbacks_site_id_state", "site_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default=PlaybackState.pending)
    segments: Mapped[int] = mapped_column(Integer, default=0)  # as the edge's done says
    error: Mapped[str | None] = mapped_column(String(64), default=None)
    recorded_from: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    recorded_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # its files were deleted


class PlaybackSegment(Base):
    """One segment of a playback, on disk at ``video/playback/<request_id>/<seq>.ts``."""

    __tablename__ = "video_playback_segments"
    __table_args__ = (UniqueConstraint("playback_id", "seq", name="uq_video_playback_segments_playback_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    playback_id: Mapped[int] = mapped_column(ForeignKey("video_playbacks.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_s: Mapped[float] = mapped_column(Float)
    discontinuity: Mapped[bool] = mapped_column(Boolean, default=False)
    size: Mapped[int] = mapped_column(Integer)


class CameraRecording(Base):
    """A camera's continuous recording at the edge, from the latest heartbeat that reported it."""

    __tablename__ = "video_camera_recordings"

    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    recorded_from: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    recorded_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    days_kept: Mapped[float] = mapped_column(Float, default=0.0)
    bytes_kept: Mapped[int] = mapped_column(BigInteger, default=0)  # a week of video is tens of GB
    video_codec: Mapped[str | None] = mapped_column(String(32), default=None)
    live_error: Mapped[str | None] = mapped_column(String(32), default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AccessKind(StrEnum):
    live = "live"
    playback = "playback"


class VideoAccess(Base):
    """Who asked to watch which camera, when, live or which recorded range. Rows are only ever added.
    A public viewer has no user: ``role`` is "public" and ``client_hash`` a keyed hash of the address."""

    __tablename__ = "video_access_log"
    __table_args__ = (Index("ix_video_access_log_site_id_at", "site_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    role: Mapped[str] = mapped_column(String(16))
    client_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    range_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    range_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)
