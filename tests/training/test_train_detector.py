"""`train_detector` end to end on a handful of real fire/smoke photos: a tiny model trained for a few steps is
exported, checked, measured, and its card loads in the edge's own detector."""

from __future__ import annotations

from pathlib import Path

import cv2
import onnx
import pytest

from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.detect.onnx_yolo import OnnxYoloDetector, load_card
from brightkitchen.training.detector import train_detector
from brightkitchen.training.export import MAX_BYTES, OPSET


@pytest.fixture(scope="module")
def trained(tiny_flat: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model")
    lines: list[str] = []
    card = train_detector(
        tiny_flat, out, labels=["fire", "smoke"], name="fire-smoke-tiny", version="t1", epochs=2, budget_s=60,
        input_size=96, seed=3, threads=1, log=lines.append,
    )  # fmt: skip
    assert any(line.startswith("epoch   2") for line in lines), lines
    return card


def test_the_card_is_valid_and_the_edge_detector_runs_it(trained: Path, tiny_flat: Path) -> None:
    card, model = load_card(trained)
    assert model == trained.parent / "fire-smoke-tiny.onnx" and model.is_file()
    assert model.stat().st_size <= MAX_BYTES
    assert onnx.load(str(model)).opset_import[0].version == OPSET
    assert (card.name, card.version, card.layout, card.input_size) == ("fire-smoke-tiny", "t1", "v5", (96, 96))
    assert card.labels == ["fire", "smoke"]
    assert card.violations == {"fire": "fire_smoke", "smoke": "fire_smoke"}
    assert set(card.label_thresholds) == {"fire", "smoke"}
    assert card.score_threshold == min(card.label_thresholds.values()) >= 0.05
    detector = OnnxYoloDetector.load(trained)
    photo = sorted((tiny_flat / "images").iterdir())[0]
    found = detector.detect(cv2.imread(str(photo)))
    assert isinstance(found, Detections) and set(found.labels) <= {"fire", "smoke"}


def test_the_card_says_what_was_measured_and_how_to_redo_it(trained: Path, tiny_flat: Path) -> None:
    card, _ = load_card(trained)
    metrics, training = card.metrics, card.training
    assert metrics["split"] == "test" and metrics["images"] == training["images"]["test"] > 0
    for key in ("boxes_iou50", "boxes_iou30"):
        assert set(metrics[key]) == {"fire", "smoke"}
        for figures in metrics[key].values():
            assert 0 <= figures["precision"] <= 1 and 0 <= figures["recall"] <= 1
            assert figures["true_positives"] <= min(figures["detections"], figures["boxes"]) or not figures["boxes"]
    assert set(metrics["images_any"]) == {"fire", "smoke", "any"}
    assert metrics["ms_per_frame"]["threads"] == 1 and metrics["ms_per_frame"]["median"] > 0
    assert "IoU 0.3 on the validation split" in metrics["threshold_rule"]
    assert training["epochs_run"] == 2 and training["stopped_by"] == "epochs" and training["seed"] == 3
    assert sum(training["images"].values()) == len(list((tiny_flat / "images").iterdir()))
    assert training["torch"].startswith("2.") and training["seconds"] > 0
    assert training["command"] == (
        f"brightkitchen train --dataset {tiny_flat} --out {trained.parent} --labels fire,smoke --name fire-smoke-tiny"
        " --version t1 --epochs 2 --budget-min 1 --input-size 96 --seed 3 --threads 1"
    )
    assert card.data == [
        {
            "dataset": "fire-smoke-tiny",
            "source": "fire-smoke-tiny",
            "licence": "CC BY 4.0",
            "attribution": "Source: the fire-smoke-train photos of the project's tests. Licence CC BY 4.0.",
        }
    ]
    text = (trained.parent / "MODEL_CARD.md").read_text()
    assert "CC BY 4.0" in text and training["command"] in text and "IoU 0.3" in text


def test_a_budget_stops_training_before_the_epochs(tiny_flat: Path, tmp_path: Path) -> None:
    card = train_detector(
        tiny_flat, tmp_path, labels=["smoke"], name="smoke", version="1", epochs=500, budget_s=3, input_size=64,
        seed=0, threads=1, log=lambda _line: None,
    )  # fmt: skip
    loaded, _ = load_card(card)
    assert loaded.training["stopped_by"] == "budget" and loaded.training["epochs_run"] < 500
    assert loaded.labels == ["smoke"] and loaded.metrics["boxes_iou50"]["smoke"]["boxes"] > 0
    assert "any" not in loaded.metrics["images_any"]


def test_the_same_command_makes_the_same_model(tiny_flat: Path, tmp_path: Path) -> None:
    models = []
    for run in ("a", "b"):
        card = train_detector(
            tiny_flat, tmp_path / run, labels=["fire", "smoke"], name="m", version="1", epochs=2, budget_s=600,
            input_size=64, seed=11, threads=1, log=lambda _line: None,
        )  # fmt: skip
        models.append((card.parent / "m.onnx").read_bytes())
    assert models[0] == models[1]  # the schedule follows steps, not the clock; seeds fix the rest
