"""Protocol version 1, video: the control channel, segment uploads and recording health.

The edge sits behind a school firewall that allows outbound connections only, so the edge opens every
connection:

- **Control channel** ``GET /api/v1/device/video/demand?after=VERSION&wait_s=25`` (long-poll). The platform
  answers at once when its demand for this device differs from ``after``, otherwise when something
  changes or ``wait_s`` runs out (then with the same version). The answer is a ``VideoDemand``: the cameras
  somebody is watching live now, and the recorded ranges somebody asked to play back. A camera missing
  from ``live`` is no longer watched: the edge stops sending it. The document is shaped so that further
  kinds of demand (a GB/T 28181 cascade, PTZ) can be added as new lists without breaking older edges.
- **Live segments** ``PUT /api/v1/device/cameras/{camera_key}/live/{seq}``: one MPEG-TS segment (about
  one second, starting on a key frame, remuxed from the camera's own H.264 stream, never transcoded),
  body ``video/mp2t``, with the ``SegmentMeta`` fields as headers (``SEGMENT_HEADERS``).
- **Playback segments** ``PUT /api/v1/device/playback/{request_id}/segments/{seq}``: the same for a
  recorded range, then ``POST /api/v1/device/playback/{request_id}/done`` with a ``PlaybackDone``.
- **Recording health** rides in each camera's heartbeat entry (``RecordingHealth``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from brightkitchen.protocol.v1 import CameraKey, LiveError, RecordingHealth

# Segments are short so that live video is close to real time; a camera whose key-frame interval is
# longer than this gets segments as long as its key-frame interval.
TARGET_SEGMENT_S = 1.0
MAX_SEGMENT_S = 10.0
MAX_SEGMENT_BYTES = 8 * 1024 * 1024
# The longest range one playback request may ask for (the web app asks again for the next stretch).
MAX_PLAYBACK_S = 30 * 60

SEGMENT_CONTENT_TYPE = "video/mp2t"
SEGMENT_HEADERS = {
    "start": "X-Segment-Start",  # camera wall-clock time of the first frame, RFC 3339 with ms and offset
    "duration_s": "X-Segment-Duration",  # seconds, decimal
    "discontinuity": "X-Segment-Discontinuity",  # "1" after a camera drop, restart or gap
}


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlaybackDemand(_Wire):
    """Somebody asked to watch ``camera_key`` from ``start`` to ``end`` (camera wall-clock time)."""

    request_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    camera_key: CameraKey
    start: AwareDatetime
    end: AwareDatetime


class VideoDemand(_Wire):
    """What the platform wants from this device now. ``version`` changes whenever the content does.

    Unknown fields are ignored (unlike the other wire models): a newer platform may add kinds of demand
    (a media-server target, a GB/T 28181 cascade) that an older edge simply does not serve.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    version: str = Field(max_length=64)
    live: list[CameraKey] = Field(default_factory=list, max_length=256)
    playback: list[PlaybackDemand] = Field(default_factory=list, max_length=64)
    poll_after_s: float = Field(default=0.0, ge=0.0, le=300.0, description="wait this long before polling again")


class SegmentMeta(_Wire):
    """What the headers of a segment upload say about it."""

    start: AwareDatetime
    duration_s: float = Field(gt=0.0, le=MAX_SEGMENT_S)
    discontinuity: bool = False


class PlaybackDone(_Wire):
    """The edge has sent every recorded segment of a playback range it has (``segments`` of them)."""

    segments: int = Field(ge=0)
    error: Literal["no_recording", "unknown_camera", "range_too_long"] | None = None
    recorded_from: AwareDatetime | None = None  # what the edge holds for this camera, for the page to say
    recorded_until: AwareDatetime | None = None


def format_segment_start(start: datetime) -> str:
    """The ``X-Segment-Start`` header value: RFC 3339 with milliseconds."""
    return start.isoformat(timespec="milliseconds")


__all__ = [
    "MAX_PLAYBACK_S",
    "MAX_SEGMENT_BYTES",
    "MAX_SEGMENT_S",
    "SEGMENT_CONTENT_TYPE",
    "SEGMENT_HEADERS",
    "TARGET_SEGMENT_S",
    "LiveError",
    "PlaybackDemand",
    "PlaybackDone",
    "RecordingHealth",
    "SegmentMeta",
    "VideoDemand",
    "format_segment_start",
]
