"""The fire/smoke model shipped in the package: its card is valid and true to the file, and names its data."""

from __future__ import annotations

from pathlib import Path

import pytest

from brightkitchen.edge.detect.files import ort_session
from brightkitchen.edge.detect.onnx_yolo import OnnxYoloDetector, load_card
from brightkitchen.training.assess import MIN_SCORE, measure_test_split, run_on
from brightkitchen.training.export import MAX_BYTES
from brightkitchen.training.yolo_data import read_dataset

BUNDLED = Path(__file__).resolve().parents[2] / "src" / "brightkitchen" / "edge" / "bundled" / "fire-smoke"


def test_the_card_names_the_model_its_labels_and_its_data() -> None:
    card, model = load_card(BUNDLED / "card.yaml")
    assert model.is_file() and model.stat().st_size <= MAX_BYTES
    assert (card.name, card.layout, card.labels) == ("brightkitchen-fire-smoke", "v5", ["fire", "smoke"])
    assert card.violations == {"fire": "fire_smoke", "smoke": "fire_smoke"}
    assert set(card.label_thresholds) == {"fire", "smoke"}
    assert card.training["stopped_by"] == "epochs"  # so the command below makes the same model again
    (source,) = card.data
    assert source["licence"] == "CC BY 4.0" and "custom-thxhn" in source["attribution"]
    text = (BUNDLED / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in text and "custom-thxhn" in text and card.training["command"] in text
    assert "--dataset ../shared/datasets/fire-smoke-train" in card.training["command"]


def test_the_card_metrics_are_what_the_shipped_file_measures(fire_smoke_dir: Path) -> None:
    card, model = load_card(BUNDLED / "card.yaml")
    data = read_dataset(fire_smoke_dir, labels=card.labels, seed=card.training["seed"])
    assert data.counts() == card.training["images"]
    detector = OnnxYoloDetector(card.model_copy(update={"score_threshold": MIN_SCORE}), ort_session(model, 1))
    measured = measure_test_split(*run_on(detector, data.split("test")), card.labels, card.label_thresholds)
    for key in ("boxes_iou50", "boxes_iou30", "images_any"):
        for label, figures in card.metrics[key].items():
            for name in ("precision", "recall"):
                # another CPU may move a score sitting on a threshold by a hair: allow one image or box either way
                assert measured[key][label][name] == pytest.approx(figures[name], abs=0.025), (key, label, name)
    assert card.metrics["images_any"]["any"]["recall"] >= 0.9
