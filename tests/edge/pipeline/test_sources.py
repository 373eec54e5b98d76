"""Sources on the real decode path: sampling, key-frame-only decoding, retry, stall, and the probe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from brightkitchen.edge.clock import SystemClock
from brightkitchen.edge.frames import Frame
from brightkitchen.edge.sources import SourceOptions, StreamSource, probe
from brightkitchen.protocol import CameraStatus
from tests.edge.pipeline.conftest import RtspCamera, needs_ffmpeg, wait_for
from tests.edge.pipeline.receiver import free_port


def run_file(video: Path, **opts: object) -> tuple[StreamSource, list[Frame], list[Frame]]:
    analysis: list[Frame] = []
    evidence: list[Frame] = []
    src = StreamSource(
        "file", str(video), SourceOptions(realtime=False, **opts), SystemClock(), analysis.append, evidence.append,
        evidence_fps=4, evidence_max_width=320,
    )  # fmt: skip
    src.start()
    src.join(30)
    return src, analysis, evidence


def test_file_is_sampled_at_the_analysis_rate(sample_video: Path) -> None:
    src, analysis, evidence = run_file(sample_video)  # 6 s at 10 fps
    h = src.health()
    assert h.frames_decoded == 60 and len(analysis) == 6 and len(evidence) == 24
    assert analysis[0].image.shape == (360, 640, 3) and evidence[0].image.shape == (180, 320, 3)
    assert h.status == CameraStatus.offline and h.error == "end of file"


def test_keyframes_only_decodes_one_frame_per_gop(sample_video: Path) -> None:
    src, analysis, _ = run_file(sample_video, keyframes_only=True)
    assert src.health().frames_decoded == 6 and len(analysis) == 6


def test_analysis_frames_are_capped_in_width(sample_video: Path) -> None:
    _, analysis, _ = run_file(sample_video, analysis_max_width=320)
    assert analysis[0].image.shape == (180, 320, 3)


def test_unreachable_camera_is_retried_and_stops_promptly() -> None:
    url = f"rtsp://127.0.0.1:{free_port()}/cam"  # nothing listens there
    opts = SourceOptions(backoff_initial_s=0.05, backoff_max_s=0.2, open_timeout_s=2)
    src = StreamSource("gone", url, opts, SystemClock(), lambda f: None)
    src.start()
    assert wait_for(lambda: src.health().status == CameraStatus.offline, 5)
    assert "refused" in (src.health().error or "").lower()
    src.stop()
    src.join(3)
    assert src.health().connects == 0


@needs_ffmpeg
@pytest.mark.rtsp
def test_stalled_stream_times_out_and_recovers(rtsp_cameras: Callable[[], RtspCamera]) -> None:
    cam = rtsp_cameras().start()
    frames: list[Frame] = []
    opts = SourceOptions(read_timeout_s=2, open_timeout_s=4, backoff_initial_s=0.2, backoff_max_s=0.5)
    src = StreamSource("stall", cam.url, opts, SystemClock(), frames.append)
    src.start()
    try:
        assert wait_for(lambda: src.health().status == CameraStatus.online, 20)
        assert cam.relay is not None
        cam.relay.paused = True  # connection open, no data: only a read timeout notices
        # The read timeout has dropped the connection (offline), or it has already connected again. Not just
        # "not online": health() says no_frames as soon as the last frame is 2 s old, and on a loaded machine that
        # came before the timeout closed the connection, so frames resumed on the same one.
        assert wait_for(lambda: src.health().status == CameraStatus.offline or src.health().connects >= 2, 15)
        cam.relay.paused = False
        assert wait_for(lambda: src.health().status == CameraStatus.online, 20)
        assert src.health().connects >= 2  # it reconnected
    finally:
        src.stop()
        src.join(5)


def test_probe(sample_video: Path) -> None:
    ok = probe(str(sample_video), SourceOptions(), 5, SystemClock())
    assert ok.ok and (ok.codec, ok.width, ok.height) == ("h264", 640, 360) and ok.stream_fps == 10
    bad = probe(f"rtsp://user:pw@127.0.0.1:{free_port()}/x", SourceOptions(), 2, SystemClock())
    assert not bad.ok and "pw" not in (bad.error or "")
