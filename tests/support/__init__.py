"""Helpers shared by the test suite: the suite's settings, real evidence bytes (JPEG, PNG, H.264 MP4),
events and device requests as the edge sends them, and a real uvicorn server in a thread."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import uvicorn
from fastapi import FastAPI

from brightkitchen.platform.settings import Settings


def make_settings(url: str, tmp_path: Path, **kw: Any) -> Settings:
    """The suite's settings, with the jobs loop off (tests drive run_due_jobs with a fake clock)."""
    base: dict[str, Any] = {
        "database_url": url, "data_dir": tmp_path / "data", "secret_key": "test-secret", "jobs_enabled": False,
        "device_rate_per_s": 1000.0, "device_rate_burst": 1000,
    }  # fmt: skip
    return Settings(**{**base, **kw})


def image(width: int = 320, height: int = 240, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    img = np.stack([(x * 255 // width), (y * 255 // height), np.full_like(x, 128)], axis=-1).astype(np.uint8)
    return np.clip(img + rng.integers(0, 30, img.shape), 0, 255).astype(np.uint8)


@cache
def jpeg_bytes(width: int = 320, height: int = 240) -> bytes:
    ok, buf = cv2.imencode(".jpg", image(width, height), [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return buf.tobytes()


@cache
def png_bytes() -> bytes:
    ok, buf = cv2.imencode(".png", image(64, 48))
    assert ok
    return buf.tobytes()


@cache
def mp4_bytes() -> bytes:
    """A real H.264 MP4 (ftyp, mdat, moov), as the edge's clip writer makes."""
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=5)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 40, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def ref(kind: str, data: bytes, content_type: str | None = None) -> dict[str, Any]:
    ctype = content_type or ("image/jpeg" if kind == "snapshot" else "video/mp4")
    return {"kind": kind, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "content_type": ctype}


def event(site_code: str = "A1", camera_key: str = "cam-a1", **kw: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    doc: dict[str, Any] = {
        "event_id": f"ev-{uuid.uuid4().hex}", "site_code": site_code, "camera_key": camera_key, "code": "no_mask",
        "started_at": (now - timedelta(seconds=5)).isoformat(), "ended_at": now.isoformat(), "score": 0.91,
        "boxes": [{"label": "face", "score": 0.9, "x1": 10, "y1": 20, "x2": 60, "y2": 90, "track_id": 3}],
        "track_id": 3, "model_name": "facemask", "model_version": "1", "frame_width": 320, "frame_height": 240,
        "evidence": [],
    }  # fmt: skip
    doc.update(kw)
    return doc


def parts(
    doc: dict[str, Any], snapshot: bytes | None = None, clip: bytes | None = None, *, listed: bool = True
) -> dict[str, Any]:
    """The multipart body of POST /device/events; evidence is listed with its true sha256 and size."""
    doc = dict(doc)
    files: dict[str, Any] = {}
    evidence = list(doc.get("evidence", []))
    if snapshot is not None:
        files["snapshot"] = ("snapshot.jpg", snapshot, "image/jpeg")
        if listed:
            evidence.append(ref("snapshot", snapshot))
    if clip is not None:
        files["clip"] = ("clip.mp4", clip, "video/mp4")
        if listed:
            evidence.append(ref("clip", clip))
    doc["evidence"] = evidence
    # The event goes as a plain form field (no filename), always as multipart like the edge sends it.
    return {"files": {"event": (None, json.dumps(doc), "application/json"), **files}}


def device_headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(app: FastAPI) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 in a thread; yields its base URL."""
    port = free_port()
    # An answer still streaming at shutdown (a live feed, a long poll) is cut after 2 s instead of held open.
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)
