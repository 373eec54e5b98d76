"""HLS playlists as text (RFC 8216), from plain segment facts; no I/O. Every segment carries its camera
wall-clock time (EXT-X-PROGRAM-DATE-TIME) so the page can show when it was filmed and seek by clock."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from brightkitchen.protocol.video import TARGET_SEGMENT_S

PLAYLIST_CONTENT_TYPE = "application/vnd.apple.mpegurl"


@dataclass(frozen=True)
class Entry:
    uri: str
    start: datetime
    duration_s: float
    discontinuity: bool


def _program_date_time(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def _target_duration(entries: Sequence[Entry]) -> int:
    # Must be >= every EXTINF rounded to the nearest integer (RFC 8216 4.3.3.1).
    longest = max((e.duration_s for e in entries), default=TARGET_SEGMENT_S)
    return max(1, math.ceil(longest), round(longest))


def render(
    entries: Sequence[Entry],
    *,
    media_sequence: int = 0,
    discontinuity_sequence: int = 0,
    kind: Literal["live", "event"] = "live",
    ended: bool = False,
) -> str:
    """A live (sliding window) or EVENT (growing) media playlist. An EVENT playlist is ended by appending
    EXT-X-ENDLIST (its type may not change), after which players treat it as VOD: seekable throughout."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{_target_duration(entries)}"]
    if kind == "event":
        lines.append("#EXT-X-PLAYLIST-TYPE:EVENT")
    lines.append(f"#EXT-X-MEDIA-SEQUENCE:{media_sequence}")
    if discontinuity_sequence:
        lines.append(f"#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuity_sequence}")
    for e in entries:
        if e.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_program_date_time(e.start)}")
        lines.append(f"#EXTINF:{e.duration_s:.3f},")
        lines.append(e.uri)
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
