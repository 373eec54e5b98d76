"""What the video API answers and takes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from brightkitchen.protocol.v1 import LiveError
from brightkitchen.protocol.video import MAX_PLAYBACK_S


class LiveGrant(BaseModel):
    """A signed link to a camera's live playlist. Open it with hls.js; ask again before ``expires_at``."""

    playlist_url: str
    expires_at: datetime
    camera_id: int
    camera_name: str
    site_id: int
    status: Literal["starting", "streaming", "unavailable"] = Field(
        description="starting: the edge was just asked and the first segment is on its way"
    )
    message: str | None = Field(default=None, description="why the camera may not play, in words for people")
    live_error: LiveError | None = Field(default=None, description="the edge's reason, as a code the page words")


class PlaybackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime
    end: AwareDatetime = Field(description=f"at most {MAX_PLAYBACK_S} s after start")


class PlaybackGrant(BaseModel):
    playlist_url: str
    expires_at: datetime
    request_id: str
    camera_id: int
    site_id: int
    status_url: str


class PlaybackStatus(BaseModel):
    request_id: str
    camera_id: int
    state: Literal["pending", "uploading", "done", "failed"]
    start: datetime
    end: datetime
    segments: int = Field(description="segments received so far")
    segments_expected: int | None = Field(default=None, description="as the edge's done says")
    error: str | None = None
    message: str | None = None
    recorded_from: datetime | None = None
    recorded_until: datetime | None = None
    created_at: datetime
    finished_at: datetime | None = None
    playlist_url: str | None = None
    expires_at: datetime | None = None


class RecordingInfo(BaseModel):
    status: str
    recorded_from: datetime | None
    recorded_until: datetime | None
    days_kept: float
    bytes_kept: int = 0
    video_codec: str | None = None
    live_error: str | None = None
    error: str | None = None
    reported_at: datetime


class TimelineAlert(BaseModel):
    id: int
    code: str
    code_name: str
    started_at: datetime
    ended_at: datetime
    state: str


class Recordings(BaseModel):
    """What the edge holds for a camera (from its last heartbeat) and the camera's alerts in the window."""

    camera_id: int
    since: datetime
    until: datetime
    recorded_from: datetime | None = None
    recorded_until: datetime | None = None
    days_kept: float | None = None
    status: str | None = Field(default=None, description="recording / stopped / error / disabled; None = unknown")
    live_error: str | None = None
    recording: RecordingInfo | None = None
    alerts: list[TimelineAlert]


class AccessEntry(BaseModel):
    id: int
    at: datetime
    kind: str
    site_id: int
    site_name: str
    camera_id: int | None
    camera_name: str | None
    user_id: int | None
    username: str | None
    role: str
    client_hash: str | None
    range_start: datetime | None
    range_end: datetime | None
    request_id: str | None
