"""Protocol version 1: violation events, evidence, heartbeats and the device configuration document."""

from __future__ import annotations

import re
from datetime import datetime, time
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from brightkitchen.protocol.codes import ViolationCode

PROTOCOL_VERSION: Literal[1] = 1

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
EventId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
CameraKey = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-\.]+$")]

# What the database columns hold: a value outside is refused here (422, the edge keeps the event as dead)
# rather than failing at INSERT (500, the edge would retry it forever).
INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1
Int4 = Annotated[int, Field(ge=-(2**31), le=INT4_MAX)]
Count = Annotated[int, Field(ge=0, le=INT8_MAX)]


def _sane_time(value: datetime) -> datetime:
    # Year 1 at +14:00 is year 0 in UTC, which no database (nor Python) can hold.
    if not 1970 <= value.year <= 2999:
        raise ValueError("time must be between the years 1970 and 2999")
    return value


WireTime = Annotated[AwareDatetime, AfterValidator(_sane_time)]


def _bad_text(value: Any) -> bool:
    """True when a string anywhere in ``value`` holds NUL or a lone surrogate (no database text column takes them)."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_bad_text(k) or _bad_text(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_bad_text(v) for v in value)
    return False


class _Wire(BaseModel):
    # No NaN or Infinity: JSON has neither, and a database column of them breaks every sum and chart.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _clean_text(cls, data: Any) -> Any:
        if _bad_text(data):
            raise ValueError("text must not contain NUL characters or lone surrogates")
        return data


class Box(_Wire):
    """A detection box in pixels of the analysed frame."""

    label: str = Field(max_length=64)
    score: float = Field(ge=0.0, le=1.0)
    x1: float
    y1: float
    x2: float
    y2: float
    track_id: Int4 | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Box:
        if self.x2 < self.x1 or self.y2 < self.y1:
            raise ValueError("box corners must satisfy x1 <= x2 and y1 <= y2")
        return self


class EvidenceKind(StrEnum):
    snapshot = "snapshot"
    clip = "clip"


class EvidenceRef(_Wire):
    """What the edge says about one evidence file it uploads beside the event."""

    kind: EvidenceKind
    sha256: str
    size: int = Field(gt=0, le=INT4_MAX)
    content_type: Literal["image/jpeg", "video/mp4"]

    @field_validator("sha256")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not _SHA256.match(value):
            raise ValueError("sha256 must be 64 lowercase hex digits")
        return value


class ViolationEvent(_Wire):
    """One violation raised at the edge. ``event_id`` is made at the edge and makes delivery idempotent."""

    protocol_version: Literal[1] = PROTOCOL_VERSION
    event_id: EventId
    site_code: str = Field(min_length=1, max_length=64)
    camera_key: CameraKey
    code: ViolationCode
    started_at: WireTime
    ended_at: WireTime
    score: float = Field(ge=0.0, le=1.0)
    boxes: list[Box] = Field(default_factory=list, max_length=200)
    track_id: Int4 | None = None
    model_name: str = Field(max_length=128)
    model_version: str = Field(max_length=64)
    frame_width: int = Field(gt=0, le=16384)
    frame_height: int = Field(gt=0, le=16384)
    evidence: list[EvidenceRef] = Field(default_factory=list, max_length=4)
    test: bool = False

    @model_validator(mode="after")
    def _times(self) -> ViolationEvent:
        if self.ended_at < self.started_at:
            raise ValueError("ended_at must not be before started_at")
        return self


class CameraStatus(StrEnum):
    online = "online"
    offline = "offline"
    no_frames = "no_frames"
    starting = "starting"


# Why a camera cannot be watched live, as the edge reports it; the page words each for people.
LiveError = Literal["h265_unsupported", "camera_offline", "no_video_stream", "upload_failed"]


class RecordingHealth(_Wire):
    """A camera's continuous recording at the edge, as sent with each heartbeat."""

    status: Literal["recording", "stopped", "error", "disabled"]
    recorded_from: WireTime | None = None
    recorded_until: WireTime | None = None
    days_kept: float = Field(ge=0.0, default=0.0, description="how many days of recording the disk holds now")
    bytes: Count = Field(default=0)
    video_codec: str | None = Field(default=None, max_length=32)
    live_error: LiveError | None = None
    error: str | None = Field(default=None, max_length=500)


class CameraHealth(_Wire):
    camera_key: CameraKey
    status: CameraStatus
    fps: float = Field(ge=0.0)
    frames_dropped: Count = Field(default=0, description="analysis frames dropped under load since start")
    frames_sampled: Count = Field(default=0, description="analysis frames taken since start")
    last_frame_at: WireTime | None = None
    error: str | None = Field(default=None, max_length=500)
    recording: RecordingHealth | None = None


class Heartbeat(_Wire):
    protocol_version: Literal[1] = PROTOCOL_VERSION
    sent_at: WireTime
    software_version: str = Field(max_length=64)
    model_versions: dict[str, str] = Field(default_factory=dict)
    model_errors: dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=500)]] = Field(
        default_factory=dict, max_length=32, description="assigned model name -> why it is not running (yet)"
    )
    config_version: str | None = Field(default=None, max_length=64)
    cameras: list[CameraHealth] = Field(default_factory=list, max_length=256)
    disk_used_bytes: Count = Field(default=0)
    disk_quota_bytes: Count = Field(default=0)
    quota_exceeded: bool = False
    outbox_depth: Count = Field(default=0)
    outbox_dead: Count = Field(default=0, description="events the platform refused for good (kept at the edge)")
    upload_state: Literal["idle", "retrying", "auth_failed"] | None = None
    last_upload_error: str | None = Field(default=None, max_length=500)
    uptime_s: float = Field(ge=0.0, default=0.0)


class Zone(_Wire):
    """A polygon in relative frame coordinates (0..1) that a rule watches."""

    name: str = Field(max_length=64)
    kind: Literal["work", "stove", "floor", "exclude"] = "work"
    points: list[tuple[float, float]] = Field(min_length=3, max_length=64)

    @field_validator("points")
    @classmethod
    def _relative(cls, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for x, y in points:
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                raise ValueError("zone points are relative coordinates between 0 and 1")
        return points


class RuleConfig(_Wire):
    code: ViolationCode
    enabled: bool = True
    persist_s: float = Field(default=3.0, ge=0.0, le=3600.0)
    cooldown_s: float = Field(default=300.0, ge=0.0, le=86400.0)
    min_score: float = Field(default=0.5, ge=0.0, le=1.0)
    label: str | None = Field(default=None, max_length=64, description="model label for generic rules")


class CameraConfig(_Wire):
    key: CameraKey
    name: str = Field(max_length=128)
    url: str = Field(max_length=1024)
    area: str | None = Field(default=None, max_length=64)
    zones: list[Zone] = Field(default_factory=list)
    rules: list[RuleConfig] = Field(default_factory=list)
    live_url: str | None = Field(default=None, max_length=1024, description="a lighter sub-stream for live viewing")
    record: bool = Field(default=True, description="record continuously at the edge")
    retention_days: int = Field(default=7, ge=1, le=90, description="days of recording to keep at the edge")


class WorkingHours(_Wire):
    start: time = time(5, 0)
    end: time = time(20, 0)


class AssignedModel(_Wire):
    """A model version the platform's registry assigns to the device's site (over-the-air models).

    The device downloads ``GET /api/v1/device/models/{sha256}``, checks size and sha256, and loads the
    file with ``card`` (a model card document whose ``file`` names the file); ``label_thresholds``
    are this site's tuned score thresholds, applied over the card's own.
    """

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-]+$")
    version: str = Field(min_length=1, max_length=64)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(gt=0, le=INT4_MAX)
    card: dict[str, Any]
    label_thresholds: dict[str, float] = Field(default_factory=dict)


class DeviceConfig(_Wire):
    """The configuration document a device fetches. ``version`` changes whenever the content does."""

    protocol_version: Literal[1] = PROTOCOL_VERSION
    version: str = Field(max_length=64)
    site_code: str = Field(max_length=64)
    timezone: str = "Asia/Shanghai"
    working_hours: WorkingHours = WorkingHours()
    cameras: list[CameraConfig] = Field(default_factory=list)
    heartbeat_interval_s: float = Field(default=30.0, gt=0, le=3600)
    models: list[AssignedModel] = Field(default_factory=list, max_length=32)
    generated_at: datetime | None = None
