"""Fixtures for the video tests: a real RTSP camera (ffmpeg encoding a test pattern, published through the
RTSP relay), the PyAV checks every segment must pass, and a real HTTP platform for the video endpoints."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator

import av
import pytest

from tests.edge.pipeline.conftest import FFMPEG, RelayedCamera, needs_ffmpeg
from tests.edge.video.video_receiver import VideoReceiver

__all__ = ["FFMPEG", "PatternCamera", "needs_ffmpeg"]  # re-exported: the video tests import them from here


def ffmpeg_has_encoder(name: str) -> bool:
    if FFMPEG is None:
        return False
    out = subprocess.run([FFMPEG, "-hide_banner", "-encoders"], capture_output=True, text=True, check=False).stdout
    return any(line.split()[1:2] == [name] for line in out.splitlines() if line.strip())


class PatternCamera(RelayedCamera):
    """ffmpeg encoding ``testsrc`` at 25 fps with a key frame every ``gop`` frames, published over RTSP."""

    def __init__(
        self, port: int | None = None, encoder: str = "libx264", gop: int = 25, size: str = "640x360", grain: int = 0
    ) -> None:
        super().__init__(port)
        self.encoder, self.gop, self.size = encoder, gop, size
        self.grain = grain  # sensor-like noise: a camera's bitrate and decoding cost instead of a flat pattern

    def publish_args(self) -> list[str]:
        cmd = ["-f", "lavfi"]
        noise = f",noise=alls={self.grain}:allf=t" if self.grain else ""
        cmd += [
            "-i",
            f"testsrc2=size={self.size}:rate=25{noise}" if self.grain else f"testsrc=size={self.size}:rate=25",
            "-r",
            "25",
            "-pix_fmt",
            "yuv420p",
        ]
        cmd += ["-c:v", self.encoder, "-g", str(self.gop), "-preset", "ultrafast", "-tune", "zerolatency"]
        if self.grain:  # a camera's constant 2 Mbit/s, Main profile with CABAC, as IP cameras send
            cmd += ["-b:v", "2M", "-maxrate", "2M", "-bufsize", "1M", "-profile:v", "main", "-coder", "cabac"]
        if self.encoder == "libx265":
            cmd += ["-x265-params", f"keyint={self.gop}:min-keyint={self.gop}:log-level=error"]
        return cmd


@pytest.fixture
def camera() -> Iterator[PatternCamera]:
    cam = PatternCamera().start()
    yield cam
    cam.stop()


@pytest.fixture
def platform() -> Iterator[VideoReceiver]:
    r = VideoReceiver().start()
    yield r
    r.stop()


def decode_first_frame(data: bytes) -> tuple[str, bool, float]:
    """Open a segment on its own with PyAV and decode its first frame: (codec, key frame, frame time)."""
    with av.open(io.BytesIO(data), format="mpegts") as c:
        stream = c.streams.video[0]
        frame = next(c.decode(stream))
        return stream.codec_context.name, bool(frame.key_frame), float(frame.time or 0.0)


def segment_keyframe_first(data: bytes) -> bool:
    """The first video packet of the segment is a key frame (demuxed, not decoded)."""
    with av.open(io.BytesIO(data), format="mpegts") as c:
        for packet in c.demux(c.streams.video[0]):
            if packet.size:
                return bool(packet.is_keyframe)
    return False
