"""Over-the-air models end to end, over real HTTP: a tiny fire/smoke detector (trained for a few steps on
photos of ../shared/datasets/fire-smoke-train when the trainer and torch are here), uploaded to a real platform
server as admin and assigned to a region with thresholds 0; a real edge agent fetches it through its device
config, swaps it in, reports ``ota-test: 1`` in its heartbeats and runs it on the next analysed frames. Then
v2 is assigned with a card that does not fit its file: the agent keeps v1 running and reports the error."""

from __future__ import annotations

import importlib.util
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest
import uvicorn
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.demo.media import write_mp4
from brightkitchen.edge.agent import Agent
from brightkitchen.edge.config import EdgeConfig
from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.detect.pipeline import DetectorStack
from brightkitchen.edge.detect.stack import StackDetector, StackFactory, camera_models
from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.modelhub.models import ModelVersion
from brightkitchen.platform.settings import Settings
from brightkitchen.training.splits import group_of
from tests import factories as f
from tests import support as s
from tests.edge.detect.helpers import write_yolo_onnx

LABELS = ["fire", "smoke"]
FIRE_SMOKE = frozenset(LABELS)
INPUT = 128
Seen = list[tuple[str | None, frozenset[str]]]  # per analysed frame: the ota-test version running, labels found


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return s.make_settings(migrated_url, tmp_path, heartbeat_interval_s=1.0)


@pytest.fixture
def live_platform(ctx: PlatformContext) -> Iterator[str]:
    port = s.free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(ctx=ctx), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return predicate()


def fire_photos(shared_dir: Path, n: int) -> list[Path]:
    """``n`` photos of fire-smoke-train with a fire or smoke box, one per source video or photo (so the trainer's
    group splits all get some), in a stable order; empty without the folder."""
    root = shared_dir / "datasets" / "fire-smoke-train"
    picked: list[Path] = []
    groups: set[str] = set()
    for label in sorted((root / "labels").glob("*.txt")) if root.is_dir() else []:
        classes = {line.split()[0] for line in label.read_text().splitlines() if line.strip()}
        image = root / "images" / f"{label.stem}.jpg"
        if classes & {"0", "2"} and image.is_file() and group_of(label.stem) not in groups:
            groups.add(group_of(label.stem))
            picked.append(image)
        if len(picked) == n:
            break
    return picked


def trained_model(tmp_path: Path, photos: list[Path]) -> tuple[bytes, dict[str, Any]] | None:
    """A detector trained for a few steps by the project's trainer; None when the trainer or torch is absent."""
    if not photos or importlib.util.find_spec("torch") is None:
        return None
    try:
        from brightkitchen.training.detector import train_detector  # type: ignore[attr-defined]
    except ImportError:
        return None
    data = tmp_path / "fire-smoke-few"
    (data / "images").mkdir(parents=True)
    (data / "labels").mkdir()
    source = photos[0].parent.parent
    shutil.copy(source / "data.yaml", data / "data.yaml")
    for photo in photos:
        shutil.copy(photo, data / "images" / photo.name)
        shutil.copy(source / "labels" / f"{photo.stem}.txt", data / "labels" / f"{photo.stem}.txt")
    out = tmp_path / "trained"
    train_detector(data, out, labels=LABELS, name="ota-test", version="1", epochs=1, budget_s=60,
                   input_size=INPUT, seed=0, threads=1)  # fmt: skip
    card_path = next(p for p in sorted(out.rglob("*.yaml")) if "labels" in (yaml.safe_load(p.read_text()) or {}))
    card = yaml.safe_load(card_path.read_text())
    return (card_path.parent / card["file"]).read_bytes(), card


def helper_model(tmp_path: Path) -> tuple[bytes, dict[str, Any]]:
    """Without the trainer: a tiny real ONNX graph in the trained model's shape (v8 layout, 128 px, fire/smoke)."""
    rows = np.array([[40, 80, 32, 32, 0.3, 0.1], [80, 32, 48, 40, 0.1, 0.2]], np.float32)
    path = write_yolo_onnx(tmp_path / "ota-test.onnx", rows.T[None].copy(), INPUT, INPUT)
    card = {"name": "ota-test", "version": "1", "file": path.name, "layout": "v8", "input_size": INPUT,
            "labels": LABELS, "violations": {"fire": "fire_smoke", "smoke": "fire_smoke"}}  # fmt: skip
    return path.read_bytes(), card


class RecordingStack(StackDetector):
    """The agent's real stack, noting what each analysed frame yielded and which ota-test version ran."""

    def __init__(self, stack: DetectorStack, seen: Seen) -> None:
        super().__init__(stack)
        self.seen = seen

    def detect(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        found = super().detect(frame_bgr)
        self.seen.append((self.versions.get("ota-test"), frozenset(found.labels)))
        return found


class RecordingFactory(StackFactory):
    def __init__(self, config: EdgeConfig, seen: Seen) -> None:
        super().__init__(config)
        self.seen = seen

    def __call__(self, cards: Sequence[Path] = ()) -> StackDetector:
        return RecordingStack(DetectorStack.build(self.config.detector, self.config.models_dir, cards), self.seen)


def upload(client: TestClient, admin: dict[str, str], model: bytes, card: dict[str, Any]) -> dict[str, Any]:
    files = {
        "file": ("ota-test.onnx", model, "application/octet-stream"),
        "card": ("card.yaml", yaml.safe_dump(card).encode(), "application/yaml"),
    }
    resp = client.post("/api/v1/models", headers=admin, files=files)
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


def assign(client: TestClient, admin: dict[str, str], model_id: int, region_id: int) -> None:
    body = {"model_id": model_id, "scope": "region", "region_id": region_id,
            "label_thresholds": {"fire": 0.0, "smoke": 0.0}}  # fmt: skip
    resp = client.put("/api/v1/model-assignments", headers=admin, json=body)
    assert resp.status_code == 200, resp.text


@pytest.mark.slow
def test_a_model_goes_platform_to_edge_runs_and_a_broken_one_falls_back(
    live_platform: str, client: TestClient, session: Session, shared_dir: Path, tmp_path: Path
) -> None:
    w = f.world(session)
    admin = f.bearer(session, "admin")
    photos = fire_photos(shared_dir, 8)
    model, card = trained_model(tmp_path, photos) or helper_model(tmp_path)
    frame = cv2.imread(str(photos[0])) if photos else np.full((480, 640, 3), (40, 90, 200), np.uint8)
    video = write_mp4([cv2.resize(frame, (640, 480))] * 30, tmp_path / "kitchen.mp4", fps=10)
    cam = w.cameras["A1"]
    cam.stream_url = str(video)  # the platform's camera is the file: the device config names it
    cam.record = False  # recording is not what this test is about
    session.commit()
    pack = shared_dir / "models"
    cfg = EdgeConfig.model_validate({
        "site_code": w.site_a1.code,
        "data_dir": str(tmp_path / "edge"),
        "models_dir": str(pack if pack.is_dir() else tmp_path / "no-pack"),
        "analysis_workers": 1,
        "evidence": {"pre_s": 1, "post_s": 1, "grace_s": 1},
        "platform": {"url": live_platform, "device_key": w.device_keys["A1"], "fetch_config": True,
                     "config_poll_s": 5, "picture_interval_s": 0},
        "cameras": [{"key": cam.key, "name": cam.name, "url": str(video),
                     "source": {"loop": True, "analysis_fps": 2.0}}],
    })  # fmt: skip

    v1 = upload(client, admin, model, card)
    assign(client, admin, v1["id"], w.district_a.id)
    seen: Seen = []
    agent = Agent(cfg, RecordingFactory(cfg, seen), camera_models=lambda c: camera_models(cfg, c))
    agent.start()
    try:
        device_url = f"/api/v1/devices/{w.devices['A1'].id}"

        def platform_sees(version: str) -> bool:
            return client.get(device_url, headers=admin).json()["model_versions"].get("ota-test") == version

        assert wait_for(lambda: platform_sees("1"), 60), client.get(device_url, headers=admin).json()
        assert agent.heartbeat().model_errors == {}
        # It is used: with thresholds 0, frames analysed by the v1 stack show fire or smoke boxes (a model trained
        # for one epoch may call every box the same); frames analysed before it arrived showed neither.
        assert wait_for(lambda: any(v == "1" and labels & FIRE_SMOKE for v, labels in seen), 30), set(seen)
        assert not [labels for v, labels in seen if v is None and labels & FIRE_SMOKE]

        # v2: a valid upload whose stored card is then damaged (input size 96 against the file's 128).
        v2_card = {**card, "version": "2"}
        v2 = upload(client, admin, model, v2_card)
        row = session.get(ModelVersion, v2["id"])
        assert row is not None
        row.card = {**row.card, "input_size": [96, 96]}
        session.commit()
        assign(client, admin, v2["id"], w.district_a.id)

        def refused() -> bool:
            return agent.heartbeat().model_errors.get("ota-test", "").startswith("2: load failed")

        assert wait_for(refused, 60), agent.heartbeat().model_errors
        assert agent.heartbeat().model_versions["ota-test"] == "1"
        assert platform_sees("1")
        frames_before = len(seen)
        assert wait_for(lambda: len(seen) > frames_before + 2, 20)
        assert {v for v, _ in seen[frames_before:]} == {"1"}  # v1 goes on analysing
    finally:
        agent.stop()
