"""Video tests: real MPEG-TS segments (H.264 from PyAV, as the edge remuxes a camera's stream) and the
requests the edge and the browser make."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import av
import numpy as np
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from brightkitchen.platform.settings import Settings
from brightkitchen.protocol.video import SEGMENT_CONTENT_TYPE, SEGMENT_HEADERS, format_segment_start
from tests.support import device_headers, make_settings

T0 = datetime(2026, 3, 2, 1, 30, 0, 250000, tzinfo=UTC)  # camera wall-clock time of the first segment


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return make_settings(migrated_url, tmp_path)


@cache
def ts_segments(count: int = 3, fps: int = 5) -> list[bytes]:
    """``count`` one-second MPEG-TS segments, each starting on a key frame (64x48 H.264 test pattern)."""
    out: list[bytes] = []
    for n in range(count):
        buf = io.BytesIO()
        with av.open(buf, mode="w", format="mpegts") as container:
            stream = container.add_stream("libx264", rate=fps)
            stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
            stream.options = {"g": str(fps), "bf": "0"}
            for i in range(fps):
                shade = (n * 60 + i * 10) % 255
                frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), shade, np.uint8), format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        out.append(buf.getvalue())
    return out


def segment_headers(start: datetime, duration_s: float = 1.0, discontinuity: bool = False) -> dict[str, str]:
    return {
        "Content-Type": SEGMENT_CONTENT_TYPE,
        SEGMENT_HEADERS["start"]: format_segment_start(start),
        SEGMENT_HEADERS["duration_s"]: f"{duration_s:.3f}",
        SEGMENT_HEADERS["discontinuity"]: "1" if discontinuity else "0",
    }


def put_live(
    client: TestClient,
    device_key: str,
    camera_key: str,
    seq: int,
    data: bytes,
    start: datetime | None = None,
    *,
    headers: dict[str, str] | None = None,
    discontinuity: bool = False,
) -> Response:
    hdrs = headers if headers is not None else segment_headers(start or T0 + timedelta(seconds=seq), 1.0, discontinuity)
    return client.put(f"/api/v1/device/cameras/{camera_key}/live/{seq}", content=data,
                      headers={**device_headers(device_key), **hdrs})  # fmt: skip


def put_playback(
    client: TestClient, device_key: str, request_id: str, seq: int, data: bytes, start: datetime
) -> Response:
    return client.put(f"/api/v1/device/playback/{request_id}/segments/{seq}", content=data,
                      headers={**device_headers(device_key), **segment_headers(start)})  # fmt: skip


def demand(client: TestClient, device_key: str, after: str | None = None, wait_s: float = 0.0) -> Response:
    params: dict[str, str | float] = {"wait_s": wait_s}
    if after is not None:
        params["after"] = after
    return client.get("/api/v1/device/video/demand", params=params, headers=device_headers(device_key))


def playlist_uris(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def tags(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]
