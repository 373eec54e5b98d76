"""The over-the-air model updater on its own: a fake platform serving bytes, real files, real ONNX models,
real onnxruntime loads. Download, card, load, swap; and every way to fail falling back to what ran before."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import numpy.typing as npt
import pytest
import yaml

from brightkitchen.edge.clock import SystemClock
from brightkitchen.edge.detect.onnx_yolo import OnnxYoloDetector
from brightkitchen.edge.model_updates import ACTIVE_FILE, CARD_FILE, MODEL_FILE, ModelUpdater
from brightkitchen.protocol import AssignedModel
from tests.edge.detect.helpers import write_yolo_onnx
from tests.edge.pipeline.conftest import FakeClock

ROWS = np.array([[20, 40, 16, 16, 0.9, 0.05], [40, 16, 24, 20, 0.1, 0.8]], np.float32)  # fire, smoke (v8)


def onnx_bytes(tmp_path: Path, rows: npt.NDArray[np.float32] = ROWS, size: int = 64) -> bytes:
    path = write_yolo_onnx(tmp_path / f"m{len(list(tmp_path.glob('m*.onnx')))}.onnx", rows.T[None].copy(), size, size)
    return path.read_bytes()


def card(input_size: int = 64, **extra: Any) -> dict[str, Any]:
    return {
        "name": "uploaded-name",  # the assignment's name and version win
        "version": "uploaded-version",
        "file": "whatever.onnx",
        "input_size": input_size,
        "labels": ["fire", "smoke"],
        "violations": {"fire": "fire_smoke", "smoke": "fire_smoke"},
        "label_thresholds": {"fire": 0.6},
        **extra,
    }


def assigned(data: bytes, version: str = "1", name: str = "ota-fire", **overrides: Any) -> AssignedModel:
    fields: dict[str, Any] = {
        "name": name,
        "version": version,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "card": card(),
        "label_thresholds": {},
        **overrides,
    }
    return AssignedModel.model_validate(fields)


class FakePlatform:
    """Serves model files by sha256 in small chunks; ``serve`` overrides what a hash answers with."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.serve: dict[str, bytes | Exception] = {}
        self.calls: list[str] = []

    def add(self, data: bytes) -> None:
        self.files[hashlib.sha256(data).hexdigest()] = data

    @contextmanager
    def open_model(self, sha256: str) -> Iterator[Iterator[bytes]]:
        self.calls.append(sha256)
        answer = self.serve.get(sha256, self.files.get(sha256))
        if isinstance(answer, Exception):
            raise answer
        if answer is None:
            request = httpx.Request("GET", f"http://platform/api/v1/device/models/{sha256}")
            raise httpx.HTTPStatusError("404", request=request, response=httpx.Response(404, request=request))
        yield iter([answer[i : i + 1000] for i in range(0, len(answer), 1000)])


class Swaps:
    """The agent's side: records each set of cards and loads them, as building the stacks would."""

    def __init__(self) -> None:
        self.sets: list[list[Path]] = []
        self.fail: Exception | None = None

    def __call__(self, cards: list[Path]) -> None:
        if self.fail is not None:
            raise self.fail
        for path in cards:
            OnnxYoloDetector.load(path)
        self.sets.append(list(cards))


@pytest.fixture
def platform() -> FakePlatform:
    return FakePlatform()


def make(tmp_path: Path, platform: FakePlatform | None, clock: FakeClock) -> tuple[ModelUpdater, Swaps]:
    swaps = Swaps()
    return ModelUpdater(tmp_path / "data" / "models", platform, swaps, clock, retry_initial_s=10, retry_max_s=60), swaps


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.name.endswith((".partial", ".trial", ".tmp")))


def test_download_card_load_then_swap(tmp_path: Path, platform: FakePlatform) -> None:
    data = onnx_bytes(tmp_path)
    platform.add(data)
    updater, swaps = make(tmp_path, platform, FakeClock())
    model = assigned(data, label_thresholds={"smoke": 0.2, "steam": 0.1})  # steam: not a label of the card
    updater.want([model])
    assert updater.sync() is None
    folder = tmp_path / "data" / "models" / "ota-fire" / "1"
    assert swaps.sets == [[folder / CARD_FILE]]
    assert (folder / MODEL_FILE).read_bytes() == data
    written = yaml.safe_load((folder / CARD_FILE).read_text())
    assert (written["name"], written["version"], written["file"]) == ("ota-fire", "1", MODEL_FILE)
    assert written["label_thresholds"] == {"fire": 0.6, "smoke": 0.2}  # the site's over the card's
    assert written["violations"] == {"fire": "fire_smoke", "smoke": "fire_smoke"}
    assert updater.errors() == {} and updater.active_versions() == {"ota-fire": "1"}
    saved = json.loads((folder.parent.parent / ACTIVE_FILE).read_text())
    assert [m["version"] for m in saved["models"]] == ["1"]
    assert leftovers(tmp_path) == []
    # Nothing changed: no download, no swap.
    updater.want([model])
    updater.sync()
    assert len(platform.calls) == 1 and len(swaps.sets) == 1


def test_a_hash_mismatch_falls_back_to_the_running_version_and_is_retried(
    tmp_path: Path, platform: FakePlatform
) -> None:
    v1_data, v2_data = onnx_bytes(tmp_path), onnx_bytes(tmp_path, ROWS[::-1].copy())
    platform.add(v1_data)
    clock = FakeClock()
    updater, swaps = make(tmp_path, platform, clock)
    v1 = assigned(v1_data)
    updater.want([v1])
    updater.sync()
    v2 = assigned(v2_data, version="2")
    platform.serve[v2.sha256] = bytes(b ^ 0xFF for b in v2_data)  # same size, other bytes
    updater.want([v2])
    wait = updater.sync()
    assert wait is not None and 5 <= wait <= 10  # backoff with jitter: 50-100 % of the first step
    error = updater.errors()["ota-fire"]
    assert error.startswith("2: download refused: sha256") and "differs from the assigned" in error
    assert updater.active_versions() == {"ota-fire": "1"} and len(swaps.sets) == 1  # v1 keeps running
    assert not (tmp_path / "data" / "models" / "ota-fire" / "2" / MODEL_FILE).exists()
    assert leftovers(tmp_path) == []
    # Not due yet: not asked again.
    clock.advance(wait / 2)
    updater.sync()
    assert platform.calls.count(v2.sha256) == 1
    # Due, and the platform serves the right bytes now.
    del platform.serve[v2.sha256]
    platform.add(v2_data)
    clock.advance(wait)
    assert updater.sync() is None
    assert updater.active_versions() == {"ota-fire": "2"} and updater.errors() == {}
    assert swaps.sets[-1] == [tmp_path / "data" / "models" / "ota-fire" / "2" / CARD_FILE]
    assert not (tmp_path / "data" / "models" / "ota-fire" / "1").exists()  # the old version is pruned


def test_more_bytes_than_assigned_are_refused(tmp_path: Path, platform: FakePlatform) -> None:
    data = onnx_bytes(tmp_path)
    model = assigned(data)
    platform.serve[model.sha256] = data + b"\x00" * 5000
    updater, swaps = make(tmp_path, platform, FakeClock())
    updater.want([model])
    updater.sync()
    assert "more than the expected" in updater.errors()["ota-fire"]
    assert swaps.sets == [] and updater.active_versions() == {}
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (httpx.ConnectError("connection refused"), "1: download failed: ConnectError: connection refused"),
        (None, "1: download failed: HTTP 404"),
    ],
    ids=["platform down", "not found"],
)
def test_a_failed_download_is_reported(
    tmp_path: Path, platform: FakePlatform, answer: Exception | None, expected: str
) -> None:
    model = assigned(onnx_bytes(tmp_path))
    if answer is not None:
        platform.serve[model.sha256] = answer
    updater, swaps = make(tmp_path, platform, FakeClock())
    updater.want([model])
    updater.sync()
    assert updater.errors() == {"ota-fire": expected} and swaps.sets == []


def test_a_model_that_does_not_load_falls_back(tmp_path: Path, platform: FakePlatform) -> None:
    v1_data = onnx_bytes(tmp_path)
    platform.add(v1_data)
    updater, swaps = make(tmp_path, platform, FakeClock())
    updater.want([assigned(v1_data)])
    updater.sync()
    v2_data = onnx_bytes(tmp_path, size=32)
    platform.add(v2_data)
    v2 = assigned(v2_data, version="2", card=card(input_size=48))  # the card says 48, the file takes 32
    updater.want([v2])
    updater.sync()
    error = updater.errors()["ota-fire"]
    assert error.startswith("2: load failed:") and "images" in error  # onnxruntime names the input it refused
    assert updater.active_versions() == {"ota-fire": "1"} and len(swaps.sets) == 1
    v2_folder = tmp_path / "data" / "models" / "ota-fire" / "2"
    assert (v2_folder / MODEL_FILE).is_file() and not (v2_folder / CARD_FILE).exists()  # no card names it
    assert leftovers(tmp_path) == []


def test_a_card_the_edge_cannot_read_is_refused(tmp_path: Path, platform: FakePlatform) -> None:
    data = onnx_bytes(tmp_path)
    platform.add(data)
    updater, swaps = make(tmp_path, platform, FakeClock())
    updater.want([assigned(data, card=card(violations={"fire": "not_a_code"}))])
    updater.sync()
    assert updater.errors()["ota-fire"].startswith("1: card refused: violations.fire")
    assert swaps.sets == []


def test_a_removed_model_leaves_the_stack_and_the_disk(tmp_path: Path, platform: FakePlatform) -> None:
    a, b = onnx_bytes(tmp_path), onnx_bytes(tmp_path, ROWS[::-1].copy())
    platform.add(a)
    platform.add(b)
    updater, swaps = make(tmp_path, platform, FakeClock())
    updater.want([assigned(a), assigned(b, name="ota-smoke")])
    updater.sync()
    assert [p.parent.parent.name for p in swaps.sets[-1]] == ["ota-fire", "ota-smoke"]
    updater.want([assigned(b, name="ota-smoke")])
    updater.sync()
    assert [p.parent.parent.name for p in swaps.sets[-1]] == ["ota-smoke"]
    assert not (tmp_path / "data" / "models" / "ota-fire").exists()
    updater.want([])
    updater.sync()
    assert swaps.sets[-1] == [] and updater.active_versions() == {}


def test_a_failed_swap_keeps_the_previous_set(tmp_path: Path, platform: FakePlatform) -> None:
    data = onnx_bytes(tmp_path)
    platform.add(data)
    updater, swaps = make(tmp_path, platform, FakeClock())
    swaps.fail = MemoryError("no room for another stack")
    updater.want([assigned(data)])
    assert updater.sync() is not None
    assert updater.errors()["ota-fire"] == "1: stack not built: MemoryError: no room for another stack"
    assert updater.active_versions() == {}
    assert not (tmp_path / "data" / "models" / ACTIVE_FILE).exists()


def test_the_last_good_set_survives_a_restart_without_the_platform(tmp_path: Path, platform: FakePlatform) -> None:
    v1_data = onnx_bytes(tmp_path)
    platform.add(v1_data)
    first, _ = make(tmp_path, platform, FakeClock())
    first.want([assigned(v1_data)])
    first.sync()
    # v2 was assigned but never arrived; then the box restarts with the platform unreachable.
    v2 = assigned(onnx_bytes(tmp_path), version="2")
    down = FakePlatform()
    down.serve[v2.sha256] = httpx.ConnectError("network unreachable")
    again, swaps = make(tmp_path, down, FakeClock())
    cards = again.initial_cards()
    assert cards == [tmp_path / "data" / "models" / "ota-fire" / "1" / CARD_FILE]
    assert OnnxYoloDetector.load(cards[0]).version == "1"
    again.want([v2])  # the cached config lists v2
    again.sync()
    assert again.active_versions() == {"ota-fire": "1"} and swaps.sets == []
    assert "network unreachable" in again.errors()["ota-fire"]


def test_a_damaged_model_on_disk_is_not_run_at_start(tmp_path: Path, platform: FakePlatform) -> None:
    data = onnx_bytes(tmp_path)
    platform.add(data)
    first, _ = make(tmp_path, platform, FakeClock())
    first.want([assigned(data)])
    first.sync()
    model_file = tmp_path / "data" / "models" / "ota-fire" / "1" / MODEL_FILE
    model_file.write_bytes(model_file.read_bytes()[:100])
    again, swaps = make(tmp_path, platform, FakeClock())
    assert again.initial_cards() == []
    assert again.errors() == {"ota-fire": "version 1 is no longer intact on disk"}
    again.want([assigned(data)])
    again.sync()  # downloaded again, whole this time
    assert model_file.read_bytes() == data and again.active_versions() == {"ota-fire": "1"} and again.errors() == {}
    assert len(swaps.sets) == 1


def test_names_and_versions_stay_inside_the_models_folder(tmp_path: Path, platform: FakePlatform) -> None:
    data = onnx_bytes(tmp_path)
    platform.add(data)
    updater, swaps = make(tmp_path, platform, FakeClock())
    updater.want([assigned(data, name="..", version="../../escape")])
    updater.sync()
    root = (tmp_path / "data" / "models").resolve()
    (card_path,) = swaps.sets[-1]
    assert card_path.resolve().is_relative_to(root) and card_path.parent.parent.parent.resolve() == root
    assert not (tmp_path / "escape").exists()


def test_the_thread_applies_what_the_config_asks_for(tmp_path: Path, platform: FakePlatform) -> None:
    data = onnx_bytes(tmp_path)
    platform.add(data)
    swapped = threading.Event()
    swaps = Swaps()

    def apply(cards: list[Path]) -> None:
        swaps(cards)
        swapped.set()

    updater = ModelUpdater(tmp_path / "models", platform, apply, SystemClock())
    updater.start()
    try:
        time.sleep(0.05)
        assert not swapped.is_set()  # nothing asked for yet: the last good set stands
        updater.want([assigned(data)])
        assert swapped.wait(10)
        assert updater.active_versions() == {"ota-fire": "1"}
    finally:
        updater.stop(5)
