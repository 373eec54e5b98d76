"""The installed fire/smoke model at run time: the detector stack picks it up, `brightkitchen detect --json`
reports its `fire` / `smoke` boxes and the `fire_smoke` violation on a real photo of fire-smoke-train, and an
over-the-air model of the same name replaces it. The model is a tiny real ONNX graph written by the test."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from brightkitchen.cli import app
from brightkitchen.edge import bundled_models
from brightkitchen.edge.detect.pipeline import DetectorStack, StackConfig
from tests.edge.test_bundled_models import write_fire_smoke_bundle

runner = CliRunner()
PHOTO = "fire1_mp4-24_jpg.rf.b4cf490293c3b92c613200d6b1a8855c.jpg"  # 608x608, a fire labelled


@pytest.fixture
def photo(shared_dir: Path) -> Path:
    path = shared_dir / "datasets" / "fire-smoke-train" / "images" / PHOTO
    if not path.is_file():
        pytest.skip("the dataset ../shared/datasets/fire-smoke-train is not present")
    return path


@pytest.fixture
def models(tmp_path: Path, shared_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A models folder with the pack (linked from ../shared/models when present) and the bundled fire/smoke
    model installed the way `brightkitchen models install` does it."""
    target = tmp_path / "models"
    target.mkdir()
    pack = shared_dir / "models"
    if pack.is_dir():
        for folder in pack.iterdir():
            (target / folder.name).symlink_to(folder, target_is_directory=True)
    root = tmp_path / "bundled"
    bundled_models.write_sums(write_fire_smoke_bundle(root / "fire-smoke"))
    monkeypatch.setattr(bundled_models, "ROOT", root)
    results = bundled_models.install(target)
    assert results and all(r.outcome.value == "installed" for r in results)
    return target


def test_detect_json_reports_fire_smoke_on_a_dataset_photo(photo: Path, models: Path) -> None:
    result = runner.invoke(app, ["detect", str(photo), "--json", "--models", str(models)])
    assert result.exit_code == 0, result.stdout + result.stderr
    (line,) = [json.loads(raw) for raw in result.stdout.splitlines() if raw.strip()]
    assert (line["width"], line["height"]) == (608, 608)
    found = {d["label"]: d for d in line["detections"] if d["label"] in ("fire", "smoke")}
    # 64 px network input over a 608 px frame: 9.5 frame pixels per network pixel.
    assert found["fire"]["box"] == pytest.approx([114.0, 304.0, 266.0, 456.0], abs=0.2)
    assert found["fire"]["score"] == pytest.approx(0.9, abs=1e-3)
    assert found["smoke"]["box"] == pytest.approx([266.0, 57.0, 494.0, 247.0], abs=0.2)
    assert "fire_smoke" in line["violations"]
    assert len([d for d in line["detections"] if d["label"] in ("fire", "smoke")]) == 2  # the weak row is not there


def test_the_stack_runs_the_installed_card_unless_told_not_to(photo: Path, models: Path) -> None:
    frame = cv2.imread(str(photo))
    assert frame is not None
    stack = DetectorStack.build(StackConfig(), models)
    assert stack.versions()["brightkitchen-fire-smoke"] == "1"
    assert dict(stack.label_codes) == {"fire": "fire_smoke", "smoke": "fire_smoke"}
    assert {"fire", "smoke"} <= set(stack.run(frame).labels)
    off = DetectorStack.build(StackConfig(fire_smoke=False), models)
    assert "brightkitchen-fire-smoke" not in off.versions() and not off.label_codes
    assert not {"fire", "smoke"} & set(off.run(frame).labels)


def test_an_over_the_air_card_of_the_same_name_replaces_the_bundled_one(tmp_path: Path, models: Path) -> None:
    rows = np.array([[32, 32, 20, 20, 0.1, 0.95]], np.float32)  # v2 sees only smoke
    v2 = write_fire_smoke_bundle(tmp_path / "ota" / "brightkitchen-fire-smoke" / "2", rows, version="2")
    stack = DetectorStack.build(StackConfig(), models, [v2 / "card.yaml"])
    assert stack.versions()["brightkitchen-fire-smoke"] == "2"
    assert [d.name for d in stack.detectors].count("brightkitchen-fire-smoke") == 1
    found = stack.run(np.zeros((64, 64, 3), np.uint8))
    assert found.with_label("fire", "smoke").labels == ("smoke",)
    # Another name runs beside it.
    other = tmp_path / "ota" / "other"
    write_fire_smoke_bundle(other, rows)
    card = yaml.safe_load((other / "card.yaml").read_text())
    (other / "card.yaml").write_text(yaml.safe_dump({**card, "name": "site-smoke"}))
    both = DetectorStack.build(StackConfig(), models, [other / "card.yaml"])
    assert {"brightkitchen-fire-smoke", "site-smoke"} <= set(both.versions())
