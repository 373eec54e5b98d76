"""A real edge agent (file camera, real models) against a real platform server: heartbeats make the device
online, an installer's "send test alert" is answered through the normal event path, and the checklist sees it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.demo import media
from brightkitchen.edge.agent import Agent
from brightkitchen.edge.config import EdgeConfig
from brightkitchen.edge.detect.stack import camera_models, stack_factory
from brightkitchen.platform.alerts.models import Alert, AlertEvidence
from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from tests import factories as f
from tests.edge.pipeline.receiver import free_port


@pytest.fixture
def live_platform(ctx: PlatformContext) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(ctx=ctx), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def _wait(predicate, timeout: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.slow
def test_test_alert_goes_edge_to_platform_and_back(
    live_platform: str, client: TestClient, session: Session, models_dir: Path, tmp_path: Path
) -> None:
    w = f.world(session)
    video = media.sample_video(tmp_path / "kitchen.mp4", seconds=12, size=(640, 360))
    cam = w.cameras["A1"]
    cfg = EdgeConfig.model_validate({
        "site_code": w.site_a1.code,
        "data_dir": str(tmp_path / "edge"),
        "models_dir": str(models_dir),
        "heartbeat_interval_s": 1,
        "analysis_workers": 1,
        "platform": {"url": live_platform, "device_key": w.device_keys["A1"]},
        "cameras": [{"key": cam.key, "name": cam.name, "url": str(video),
                     "source": {"loop": True, "analysis_fps": 2.0}}],
    })  # fmt: skip
    agent = Agent(cfg, stack_factory(cfg), camera_models=partial(camera_models, cfg))
    agent.start()
    try:
        regulator = f.login(client, "reg_a")
        assert _wait(lambda: client.get(f"/api/v1/devices/{w.devices['A1'].id}", headers=regulator).json()["status"]
                     == "online", 30)  # fmt: skip
        asked = client.post(f"/api/v1/rollout/sites/{w.site_a1.id}/test-alert", headers=regulator)
        assert asked.status_code == 202, asked.text

        def test_item_ok() -> bool:
            items = client.get(f"/api/v1/rollout/sites/{w.site_a1.id}", headers=regulator).json()["items"]
            return any(i["code"] == "test_alert" and i["state"] == "ok" for i in items)

        assert _wait(test_item_ok, 60), "the edge did not answer the test request"

        def picture_arrived() -> bool:
            cam_now = client.get(f"/api/v1/cameras/{cam.id}", headers=regulator).json()
            return cam_now["latest_picture_url"] is not None

        assert _wait(picture_arrived, 30), "the edge sent no latest picture"
        url = client.get(f"/api/v1/cameras/{cam.id}", headers=regulator).json()["latest_picture_url"]
        assert client.get(url).content[:3] == b"\xff\xd8\xff"
    finally:
        agent.stop()
    session.expire_all()
    tests = session.scalars(select(Alert).where(Alert.site_id == w.site_a1.id, Alert.test.is_(True))).all()
    assert len(tests) == 1, "one request, one test alert"
    kinds = session.scalars(select(AlertEvidence.kind).where(AlertEvidence.alert_id == tests[0].id)).all()
    assert sorted(kinds) == ["clip", "snapshot"]
