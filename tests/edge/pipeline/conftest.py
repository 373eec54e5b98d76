"""Fixtures for the edge pipeline tests: a fake clock, scripted detectors, a real HTTP receiver, test
videos from real dataset photos, and a real RTSP stream (ffmpeg publishing through a small relay)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Self

import numpy as np
import numpy.typing as npt
import pytest

from brightkitchen.edge.detect.base import Detections, SingleModel
from tests.edge.pipeline.media_fixtures import make_video
from tests.edge.pipeline.receiver import Receiver, free_port
from tests.edge.pipeline.rtsp_relay import RtspRelay

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is not installed: no RTSP camera to test against")


class FakeClock:
    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def now(self) -> float:
        return self.t

    def monotonic(self) -> float:
        return self.t

    def advance(self, s: float) -> None:
        self.t += s


Row = tuple[str, float, float, float, float, float]  # label, score, x1, y1, x2, y2


def dets(*rows: Row, track_ids: list[int] | None = None) -> Detections:
    return Detections.from_lists(
        [list(r[2:]) for r in rows], [r[1] for r in rows], [r[0] for r in rows], track_ids=track_ids
    )


class ScriptedDetector(SingleModel):
    """A detector that returns whatever ``script(frame)`` says: pipeline tests without model noise."""

    name = "scripted"
    version = "1"

    def __init__(self, script: Callable[[npt.NDArray[np.uint8]], Detections], delay_s: float = 0.0) -> None:
        self.script, self.delay_s, self.calls = script, delay_s, 0

    def detect(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        self.calls += 1
        if self.delay_s:
            time.sleep(self.delay_s)
        return self.script(frame_bgr)


def unmasked_worker(frame: npt.NDArray[np.uint8]) -> Detections:
    """A person with an unmasked face in the middle of every frame."""
    h, w = frame.shape[:2]
    return dets(
        ("person", 0.9, w * 0.3, h * 0.1, w * 0.7, h * 0.95),
        ("face_no_mask", 0.8, w * 0.42, h * 0.15, w * 0.58, h * 0.4),
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture(scope="session")
def sample_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("video") / "kitchen.mp4")


class RelayedCamera:
    """A camera: ffmpeg publishing at real speed through an RTSP relay on ``port``; ``publish_args`` says what."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.relay: RtspRelay | None = None
        self.ffmpeg: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/cam"

    def publish_args(self) -> list[str]:
        """ffmpeg's input and codec arguments."""
        raise NotImplementedError

    def start(self) -> Self:
        if self.relay is None:
            self.relay = RtspRelay(self.port).start()
        assert FFMPEG is not None
        cmd = [FFMPEG, "-hide_banner", "-loglevel", "error", "-re", *self.publish_args()]
        cmd += ["-f", "rtsp", "-rtsp_transport", "tcp", self.url]
        self.ffmpeg = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        return self

    def kill_ffmpeg(self) -> None:
        if self.ffmpeg is not None:
            self.ffmpeg.kill()
            self.ffmpeg.wait(10)
            self.ffmpeg = None

    def stop(self) -> None:
        self.kill_ffmpeg()
        if self.relay is not None:
            self.relay.stop()
            self.relay = None


class RtspCamera(RelayedCamera):
    """A camera: ffmpeg publishing ``video`` in a loop at real speed through an RTSP relay on ``port``."""

    def __init__(self, video: Path, port: int | None = None) -> None:
        super().__init__(port)
        self.video = video

    def publish_args(self) -> list[str]:
        return ["-stream_loop", "-1", "-i", str(self.video), "-c", "copy"]


@pytest.fixture
def rtsp_cameras(sample_video: Path) -> Iterator[Callable[[], RtspCamera]]:
    made: list[RtspCamera] = []

    def make() -> RtspCamera:
        cam = RtspCamera(sample_video)
        made.append(cam)
        return cam

    yield make
    for cam in made:
        cam.stop()


def wait_for(pred: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()
