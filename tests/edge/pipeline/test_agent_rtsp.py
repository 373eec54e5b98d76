"""The whole agent against REAL RTSP streams (ffmpeg publishing dataset photos through an RTSP relay).

A camera offline at start comes online when its server starts; a camera whose ffmpeg is killed goes
offline and comes back; events travel to a real HTTP receiver with verified evidence; shutdown is clean.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from brightkitchen.edge.agent import Agent
from brightkitchen.edge.config import EdgeConfig
from brightkitchen.protocol import CameraStatus
from tests.edge.pipeline.conftest import RtspCamera, ScriptedDetector, needs_ffmpeg, unmasked_worker, wait_for
from tests.edge.pipeline.media_fixtures import REPO_ROOT
from tests.edge.pipeline.receiver import KEY, Receiver

pytestmark = [pytest.mark.rtsp, pytest.mark.slow, needs_ffmpeg]

FAST_SOURCE = {"open_timeout_s": 4, "read_timeout_s": 3, "backoff_initial_s": 0.2, "backoff_max_s": 1.0}
NO_MASK = [{"code": "no_mask", "persist_s": 1, "cooldown_s": 3600, "min_score": 0.5}]


def edge_config(tmp_path: Path, receiver: Receiver, urls: dict[str, str], **extra: object) -> dict[str, object]:
    return {
        "site_code": "SCH-TEST",
        "data_dir": str(tmp_path / "edge-data"),
        "heartbeat_interval_s": 1,
        "analysis_workers": 1,
        "platform": {"url": receiver.url, "device_key": KEY},
        "source": FAST_SOURCE,
        "evidence": {"pre_s": 1, "post_s": 1, "fps": 4, "grace_s": 1},
        "uploader": {"backoff_initial_s": 0.1, "backoff_max_s": 1},
        "cameras": [{"key": k, "name": k, "url": u, "rules": NO_MASK} for k, u in urls.items()],
        **extra,
    }


def status(agent: Agent, key: str) -> CameraStatus:
    return agent.cameras[key].health().status


def test_agent_cameras_come_online_drop_and_recover(
    tmp_path: Path, receiver: Receiver, rtsp_cameras: Callable[[], RtspCamera]
) -> None:
    live, late = rtsp_cameras().start(), rtsp_cameras()  # `late` has nothing listening yet
    cfg = EdgeConfig.model_validate(edge_config(tmp_path, receiver, {"live": live.url, "late": late.url}))
    detector = ScriptedDetector(unmasked_worker)
    agent = Agent(cfg, lambda: detector)
    agent.start()
    try:
        assert wait_for(lambda: status(agent, "live") == CameraStatus.online, 20)
        assert status(agent, "late") == CameraStatus.offline
        assert "refused" in (agent.cameras["late"].health().error or "").lower()

        late.start()  # the camera's server comes up: the agent finds it without being told
        assert wait_for(lambda: status(agent, "late") == CameraStatus.online, 20)

        # one no_mask event per camera (once per track), evidence checked by the receiver
        assert wait_for(lambda: {e.camera_key for e in receiver.state.events.values()} == {"live", "late"}, 30)
        live.kill_ffmpeg()  # the camera drops mid-run
        assert wait_for(lambda: status(agent, "live") in (CameraStatus.offline, CameraStatus.no_frames), 15)
        assert status(agent, "late") == CameraStatus.online  # the other camera is not affected
        live.start()
        assert wait_for(lambda: status(agent, "live") == CameraStatus.online, 20)

        assert wait_for(lambda: all(c.fps > 5 for c in agent.heartbeat().cameras), 10)  # 10 fps streams, measured
        hb = agent.heartbeat()
        assert {c.camera_key: c.status for c in hb.cameras} == {"live": "online", "late": "online"}
        assert wait_for(lambda: len(receiver.state.heartbeats) >= 2, 10)
    finally:
        agent.stop()
    for event in receiver.state.events.values():
        assert event.code == "no_mask" and event.site_code == "SCH-TEST" and event.model_name == "scripted"
        assert (event.frame_width, event.frame_height) == (640, 360)
        assert {r.kind for r in event.evidence} == {"snapshot", "clip"}
    assert detector.calls > 10


@pytest.mark.models
def test_real_detector_stack_on_a_real_stream(
    tmp_path: Path, receiver: Receiver, rtsp_cameras: Callable[[], RtspCamera]
) -> None:
    """The detector engineer's stack, models from ../shared/models, on the RTSP stream of real faces."""
    from brightkitchen.edge.detect.stack import stack_factory

    models = REPO_ROOT / ".." / "shared" / "models"
    if not (models / "yunet").is_dir():
        pytest.skip("the model pack is not in ../shared/models")
    cam = rtsp_cameras().start()
    cfg = EdgeConfig.model_validate(
        edge_config(tmp_path, receiver, {"faces": cam.url}, models_dir=os.path.relpath(models))
    )
    agent = Agent(cfg, stack_factory(cfg))
    agent.start()
    try:
        assert wait_for(lambda: agent.cameras["faces"].stats.processed >= 8, 40)
    finally:
        agent.stop()
    hb_models = agent._model_versions()
    assert hb_models and agent.pool is not None and agent.pool.errors == 0
    for event in receiver.state.events.values():  # whatever the models found arrived whole
        assert event.model_name.startswith(next(iter(hb_models)))


def test_cli_run_stops_cleanly_on_sigterm(
    tmp_path: Path, receiver: Receiver, rtsp_cameras: Callable[[], RtspCamera]
) -> None:
    cam = rtsp_cameras().start()
    config = tmp_path / "edge.yaml"
    doc = edge_config(tmp_path, receiver, {"cli": cam.url}, models_dir=str(tmp_path / "no-models"))
    config.write_text(yaml.safe_dump(doc))
    code = "from brightkitchen.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "edge", "run", "--config", str(config)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        online = lambda: any(  # noqa: E731
            c.status == "online" for hb in receiver.state.heartbeats for c in hb.cameras
        )
        assert wait_for(online, 30), proc.stdout.read1().decode() if proc.stdout else ""  # type: ignore[union-attr]
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out.decode()[-3000:]
    assert "edge agent stopped" in out.decode()
