"""Pieces every source shares: its config model, health record, reconnect backoff and frame sampler."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.protocol import CameraStatus

_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def redact_url(url: str) -> str:
    """Hide credentials (rtsp://user:pass@host) before a URL reaches logs, health or a table."""
    return _USERINFO.sub("***@", url)


class SourceOptions(BaseModel):
    """How one camera stream is opened, decoded and sampled."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    analysis_fps: float = Field(default=1.0, gt=0, le=30)
    keyframes_only: bool = Field(default=False, description="decode key frames only (skip_frame=NONKEY)")
    analysis_max_width: int = Field(default=1280, ge=160, le=7680)
    open_timeout_s: float = Field(default=10.0, gt=0, le=120)
    read_timeout_s: float = Field(default=10.0, gt=0, le=120)
    backoff_initial_s: float = Field(default=1.0, gt=0, le=60)
    backoff_max_s: float = Field(default=60.0, gt=0, le=3600)
    rtsp_transport: Literal["tcp", "udp"] = "tcp"
    loop: bool = Field(default=False, description="files only: start again at the end (demos, benchmarks)")
    realtime: bool = Field(default=True, description="files only: pace decoding at the file's own rate")
    decoder_threads: int = Field(default=1, ge=0, le=16, description="0 lets FFmpeg choose")
    queue_size: int = Field(default=2, ge=1, le=100, description="analysis frames waiting; the oldest is dropped")


@dataclass(frozen=True)
class SourceHealth:
    status: CameraStatus
    fps: float = 0.0  # decoded frames per second, measured
    last_frame_at: float | None = None  # wall clock
    error: str | None = None
    frames_decoded: int = 0
    frames_sampled: int = 0
    connects: int = 0


class Backoff:
    """Capped exponential backoff with jitter, for reconnects and uploads alike."""

    def __init__(self, initial: float, maximum: float, rng: random.Random | None = None) -> None:
        self.initial = initial
        self.maximum = max(maximum, initial)
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        """The wait after one more failure: doubles each time up to the cap, then 50-100 % of it."""
        base = min(self.maximum, self.initial * (2 ** min(self.failures, 30)))
        self.failures += 1
        return base * (0.5 + 0.5 * self._rng.random())

    def reset(self) -> None:
        self.failures = 0


class Sampler:
    """Picks frames at ``fps`` from a stream's own timeline, robust to bursts, gaps and timestamp resets."""

    def __init__(self, fps: float) -> None:
        self.interval = 1.0 / fps
        self._next: float | None = None

    def due(self, t: float) -> bool:
        if self._next is None or t < self._next - 2 * self.interval - 1.0:  # first frame, or time went back
            self._next = t + self.interval
            return True
        if t >= self._next:
            # Step from the schedule, not from t, so the rate holds; jump ahead after a gap.
            self._next = max(self._next + self.interval, t + self.interval / 2)
            return True
        return False

    def reset(self) -> None:
        self._next = None
