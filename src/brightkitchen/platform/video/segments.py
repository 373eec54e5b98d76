"""Segment uploads: the headers read into ``SegmentMeta``, the body checked to be MPEG-TS by content, and the
files kept on the platform's disk (one copy per segment, however many people watch)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from brightkitchen.platform.problems import Problem
from brightkitchen.protocol.video import SEGMENT_CONTENT_TYPE, SEGMENT_HEADERS, SegmentMeta

TS_PACKET = 188
TS_SYNC = 0x47


def read_meta(headers: Mapping[str, str]) -> SegmentMeta:
    """The ``X-Segment-*`` headers as ``SegmentMeta``; 422 naming the header that is missing or wrong."""
    raw: dict[str, object] = {}
    for field, header in SEGMENT_HEADERS.items():
        value = headers.get(header)
        if value is not None:
            raw[field] = value.strip()
    if "discontinuity" in raw:
        flag = str(raw["discontinuity"])
        if flag not in ("0", "1"):
            raise _bad_header(SEGMENT_HEADERS["discontinuity"], "must be 0 or 1")
        raw["discontinuity"] = flag == "1"
    try:
        return SegmentMeta.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "start"
        raise _bad_header(SEGMENT_HEADERS.get(field, field), first["msg"]) from exc


def _bad_header(header: str, message: str) -> Problem:
    return Problem(
        422,
        "Invalid request",
        f"invalid header {header}: {message}",
        errors=[{"field": header, "message": message}],
        code="bad_segment_header",
    )


def check_content_type(content_type: str | None) -> None:
    """A declared type other than video/mp2t (or a generic octet stream) is refused before the body is read."""
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared and declared not in (SEGMENT_CONTENT_TYPE, "application/octet-stream"):
        raise not_ts(f"segments are {SEGMENT_CONTENT_TYPE}, not {declared}")


def is_mpeg_ts(data: bytes) -> bool:
    """Whole 188-byte transport packets, each starting with the sync byte 0x47."""
    if not data or len(data) % TS_PACKET:
        return False
    return data[::TS_PACKET].count(TS_SYNC) == len(data) // TS_PACKET


def check_ts(data: bytes) -> None:
    if not is_mpeg_ts(data):
        raise not_ts("the body is not MPEG-TS: expected whole 188-byte packets starting with 0x47")


def not_ts(detail: str) -> Problem:
    return Problem(415, "Unsupported media type", detail, code="unsupported_media_type")


def live_dir(video_dir: Path, camera_id: int) -> Path:
    return video_dir / "live" / str(camera_id)


def live_path(video_dir: Path, camera_id: int, pos: int) -> Path:
    return live_dir(video_dir, camera_id) / f"{pos}.ts"


def playback_dir(video_dir: Path, request_id: str) -> Path:
    return video_dir / "playback" / request_id


def playback_path(video_dir: Path, request_id: str, seq: int) -> Path:
    return playback_dir(video_dir, request_id) / f"{seq}.ts"


def write_atomically(path: Path, data: bytes) -> None:
    """Readers in any worker see the whole file or none of it (a rename within one folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
