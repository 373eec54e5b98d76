"""How the edge records and streams video, and what it needs to know about each camera for that."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.edge.sources.base import SourceOptions
from brightkitchen.protocol import CameraConfig
from brightkitchen.protocol.video import MAX_SEGMENT_S, TARGET_SEGMENT_S


class VideoOptions(BaseModel):
    """``video:`` in the edge configuration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(default=True, description="record cameras and serve live view and playback")
    retention_days: int = Field(
        default=7, ge=1, le=90, description="for recordings of cameras no longer configured (each camera has its own)"
    )
    segment_target_s: float = Field(
        default=TARGET_SEGMENT_S, ge=0.5, le=MAX_SEGMENT_S / 2, description="cut at the first key frame after this"
    )
    control_wait_s: float = Field(default=25.0, ge=1.0, le=120.0, description="long-poll wait for the video demand")
    control_backoff_max_s: float = Field(default=15.0, ge=1.0, le=600.0, description="longest wait after failures")
    live_queue: int = Field(default=8, ge=1, le=256, description="live segments waiting; the oldest is dropped")
    maintenance_interval_s: float = Field(default=10.0, gt=0, le=3600.0, description="retention and quota checks")


@dataclass(frozen=True)
class VideoCamera:
    """One camera as video sees it. ``source`` says how its stream is opened (timeouts, transport)."""

    key: str
    url: str
    live_url: str | None = None
    record: bool = True
    retention_days: int = 7
    source: SourceOptions | None = None

    @classmethod
    def from_config(cls, camera: CameraConfig, source: SourceOptions | None = None) -> VideoCamera:
        return cls(camera.key, camera.url, camera.live_url, camera.record, camera.retention_days, source)
