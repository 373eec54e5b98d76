"""The whole agent records its cameras from the same connection the detectors read: a real RTSP camera
(ffmpeg through the relay) is read once, recorded in ~1 s segments, and the heartbeat says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from brightkitchen.edge.agent import Agent
from brightkitchen.edge.config import EdgeConfig
from brightkitchen.edge.detect.base import Detections
from tests.edge.pipeline.conftest import ScriptedDetector, wait_for
from tests.edge.video.conftest import PatternCamera, needs_ffmpeg

pytestmark = [pytest.mark.rtsp, needs_ffmpeg]


def test_agent_records_each_camera_over_its_one_connection(tmp_path: Path, camera: PatternCamera) -> None:
    cfg = EdgeConfig.model_validate(
        {
            "site_code": "SCH-TEST",
            "data_dir": str(tmp_path / "edge-data"),
            "analysis_workers": 1,
            "disk_quota_mb": 64,
            "source": {"open_timeout_s": 4, "read_timeout_s": 3, "backoff_initial_s": 0.2, "backoff_max_s": 1.0},
            "cameras": [{"key": "prep", "name": "prep", "url": camera.url}],
        }
    )
    agent = Agent(cfg, lambda: ScriptedDetector(lambda _frame: Detections.empty()))
    agent.start()
    try:
        held = lambda: agent.video.store.range("prep")  # noqa: E731
        assert wait_for(lambda: (r := held()) is not None and r.days * 86400 >= 3, 30), "nothing recorded"
        assert camera.relay is not None and camera.relay.readers == 1  # analysis and recording share it
        beat = agent.heartbeat()
        rec = next(c.recording for c in beat.cameras if c.camera_key == "prep")
        assert rec is not None and rec.status == "recording" and rec.video_codec == "h264"
        assert rec.bytes > 0 and beat.disk_used_bytes >= rec.bytes
        held_range = held()
        assert held_range is not None
        segments = list(agent.video.store.segments("prep", held_range.recorded_from, held_range.recorded_until))
        durations = [meta.duration_s for meta, _data in segments]
        assert len(durations) >= 3 and all(0.5 <= d <= 2.1 for d in durations[1:-1]), durations
    finally:
        agent.stop()
