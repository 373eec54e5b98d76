"""Over-the-air models through a real agent: a real HTTP server speaking the device API (config with ETag,
heartbeats, events, model files), a file camera, the real detector stack (Haar fallback plus the downloaded
ONNX model). The model arrives, is swapped in, raises ``fire_smoke`` through the rules it calls for; a model
that does not load leaves the previous one running and is reported; a restart without the platform runs the
last good version."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pytest
from fastapi import FastAPI, Header, Response

from brightkitchen.demo.media import write_mp4
from brightkitchen.edge.agent import Agent
from brightkitchen.edge.config import EdgeConfig
from brightkitchen.edge.detect.stack import stack_factory
from brightkitchen.edge.rules import FireSmokeRule
from brightkitchen.protocol import AssignedModel, CameraConfig, DeviceConfig, RuleConfig, ViolationCode
from tests.edge.detect.helpers import write_yolo_onnx
from tests.edge.pipeline.receiver import KEY, Receiver

ROWS = np.array([[20, 40, 16, 16, 0.9, 0.05], [40, 16, 24, 20, 0.1, 0.8]], np.float32)  # fire, smoke (v8, 64 px)


class ModelPlatform(Receiver):
    """The receiver plus ``GET /api/v1/device/models/{sha256}`` serving ``files``."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, bytes] = {}
        self.model_gets: list[str] = []

    def app(self) -> FastAPI:
        app = super().app()

        @app.get("/api/v1/device/models/{sha256}")
        async def model(sha256: str, authorization: Annotated[str | None, Header()] = None) -> Response:
            if authorization != f"Bearer {KEY}":
                return Response(status_code=401)
            self.model_gets.append(sha256)
            data = self.files.get(sha256)
            return Response(status_code=404) if data is None else Response(data, media_type="application/octet-stream")

        return app


@pytest.fixture
def platform() -> Iterator[ModelPlatform]:
    server = ModelPlatform().start()
    yield server
    server.stop()


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def model_file(tmp_path: Path, name: str, size: int = 64) -> bytes:
    return write_yolo_onnx(tmp_path / name, ROWS.T[None].copy(), size, size).read_bytes()


def assignment(data: bytes, version: str, input_size: int = 64) -> AssignedModel:
    card: dict[str, Any] = {
        "name": "ota-fire",
        "version": version,
        "file": "fire.onnx",
        "input_size": input_size,
        "labels": ["fire", "smoke"],
        "violations": {"fire": "fire_smoke", "smoke": "fire_smoke"},
    }
    return AssignedModel(
        name="ota-fire",
        version=version,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        card=card,
        label_thresholds={"fire": 0.3},
    )


def device_config(video: Path, version: str, models: list[AssignedModel]) -> DeviceConfig:
    camera = CameraConfig(
        key="cam1", name="灶台", url=str(video), rules=[RuleConfig(code=ViolationCode.no_mask)], record=False
    )
    return DeviceConfig(version=version, site_code="S1", cameras=[camera], heartbeat_interval_s=0.5, models=models)


@pytest.mark.slow
def test_a_model_arrives_is_used_falls_back_and_survives_a_restart(tmp_path: Path, platform: ModelPlatform) -> None:
    grey = np.full((360, 640, 3), 150, np.uint8)
    video = write_mp4([grey] * 40, tmp_path / "kitchen.mp4", fps=10)
    v1_data = model_file(tmp_path, "v1.onnx")
    v1 = assignment(v1_data, "1")
    platform.files[v1.sha256] = v1_data
    platform.control["config"] = device_config(video, "c1", [v1])
    cfg = EdgeConfig.model_validate({
        "site_code": "S1",
        "data_dir": str(tmp_path / "edge"),
        "models_dir": str(tmp_path / "no-pack"),  # the Haar fallback: no model pack needed
        "analysis_workers": 2,
        "evidence": {"pre_s": 1, "post_s": 1, "grace_s": 1},
        "platform": {"url": platform.url, "device_key": KEY, "fetch_config": True, "config_poll_s": 5,
                     "picture_interval_s": 0},
        "cameras": [{"key": "cam1", "name": "cam1", "url": str(video),
                     "source": {"loop": True, "analysis_fps": 4}}],
    })  # fmt: skip
    agent = Agent(cfg, stack_factory(cfg))
    agent.start()
    try:
        # v1 arrives through the config and is swapped in; heartbeats say so.
        assert wait_for(lambda: agent.heartbeat().model_versions.get("ota-fire") == "1", 30)
        assert platform.model_gets == [v1.sha256]
        assert agent.pool is not None and len(agent.pool.detectors) == 2
        assert all(d.versions.get("ota-fire") == "1" for d in agent.pool.detectors)
        assert wait_for(lambda: any(h.model_versions.get("ota-fire") == "1" for h in platform.state.heartbeats), 10)
        # Its labels call for the built-in fire_smoke rule: the camera's rules were rebuilt with it...
        assert any(isinstance(r, FireSmokeRule) for r in agent.cameras["cam1"].rules)
        # ...and the next analysed frames, through the model, raise fire_smoke (10 s of fire and smoke).
        assert wait_for(lambda: any(e.code == "fire_smoke" for e in platform.state.events.values()), 40)
        event = next(e for e in platform.state.events.values() if e.code == "fire_smoke")
        assert {b.label for b in event.boxes} == {"fire", "smoke"}
        assert event.model_version and "ota-fire=1" in event.model_version
        assert agent.heartbeat().model_errors == {}

        # v2's card does not fit its file (input 48 against 64): it never runs, v1 goes on, the error is reported.
        v2_data = model_file(tmp_path, "v2.onnx")
        v2 = assignment(v2_data, "2", input_size=48)
        platform.files[v2.sha256] = v2_data
        platform.control["config"] = device_config(video, "c2", [v2])

        def v2_refused() -> bool:
            return any(
                h.model_errors.get("ota-fire", "").startswith("2: load failed") for h in platform.state.heartbeats
            )

        assert wait_for(v2_refused, 30)
        assert agent.heartbeat().model_versions["ota-fire"] == "1"
        assert all(d.versions.get("ota-fire") == "1" for d in agent.pool.detectors)
    finally:
        agent.stop()
    platform.stop()  # the platform is gone: a restart runs the last good set from disk

    again = Agent(cfg, stack_factory(cfg))
    again.start()
    try:
        assert again.heartbeat().model_versions["ota-fire"] == "1"
        assert any(isinstance(r, FireSmokeRule) for r in again.cameras["cam1"].rules)
    finally:
        again.stop()
