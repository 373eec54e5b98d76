"""Operator-supplied YOLO ONNX models: tiny real graphs with known outputs, both layouts, and the card."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from pydantic import ValidationError

from brightkitchen.edge.detect.onnx_yolo import ModelCard, OnnxYoloDetector, letterbox, load_card, resolve_layout
from brightkitchen.protocol.codes import ViolationCode
from tests.edge.detect.helpers import V5_ROWS, V8_ROWS, write_yolo_onnx

# 128x64 frame into a 64x64 input: scale 0.5, 16 px of padding top and bottom.
# Input box (24, 24)-(40, 40) -> frame (48, 16)-(80, 48); input (46, 36)-(54, 44) -> frame (92, 40)-(108, 56).
EXPECTED_BOXES = [[48, 16, 80, 48], [92, 40, 108, 56]]


def write_card(folder: Path, model: str, **extra: object) -> Path:
    card = {
        "name": "hats",
        "version": "test",
        "file": model,
        "input_size": 64,
        "labels": ["chef_hat", "no_chef_hat"],
        "violations": {"no_chef_hat": "no_chef_hat"},
        "score_threshold": 0.4,
        **extra,
    }
    path = folder / f"{model}.yaml"
    path.write_text(yaml.safe_dump(card))
    return path


@pytest.mark.parametrize(("layout", "output"), [("v5", V5_ROWS[None]), ("v8", V8_ROWS.T[None].copy())])
def test_decode_both_layouts(tmp_path: Path, layout: str, output: np.ndarray) -> None:
    write_yolo_onnx(tmp_path / f"{layout}.onnx", output)
    detector = OnnxYoloDetector.load(write_card(tmp_path, f"{layout}.onnx"))
    found = detector.detect(np.zeros((64, 128, 3), np.uint8))
    order = np.argsort(-found.scores)
    assert [found.labels[i] for i in order] == ["chef_hat", "no_chef_hat"]
    np.testing.assert_allclose(found.scores[order], [0.81, 0.72], atol=1e-5)
    np.testing.assert_allclose(found.xyxy[order], [EXPECTED_BOXES[1], EXPECTED_BOXES[0]], atol=1e-3)
    assert detector.name == "hats" and detector.version == "test"


def test_declared_layout_is_checked_against_the_output(tmp_path: Path) -> None:
    write_yolo_onnx(tmp_path / "v5.onnx", V5_ROWS[None])
    detector = OnnxYoloDetector.load(write_card(tmp_path, "v5.onnx", layout="v8"))
    with pytest.raises(ValueError, match="does not fit layout v8"):
        detector.detect(np.zeros((64, 64, 3), np.uint8))


def test_resolve_layout() -> None:
    assert resolve_layout((1, 8400, 7), 2, "auto") == "v5"
    assert resolve_layout((1, 6, 8400), 2, "auto") == "v8"
    with pytest.raises(ValueError):
        resolve_layout((1, 9, 9), 2, "auto")


def test_card_validation(tmp_path: Path) -> None:
    base = {"name": "x", "file": "m.onnx", "input_size": [640, 480], "labels": ["a", "b"]}
    assert ModelCard.model_validate(base).input_size == (640, 480)
    with pytest.raises(ValidationError, match="does not list"):
        ModelCard.model_validate({**base, "violations": {"c": "smoking"}})
    with pytest.raises(ValidationError):
        ModelCard.model_validate({**base, "violations": {"a": "not_a_code"}})
    with pytest.raises(ValidationError):
        ModelCard.model_validate({**base, "labels": ["a", "a"]})
    with pytest.raises(ValidationError):
        ModelCard.model_validate({**base, "surprise": 1})
    json_card = tmp_path / "card.json"
    json_card.write_text(
        '{"name": "x", "file": "m.onnx", "input_size": 320, "labels": ["smoke"], "violations": {"smoke": "smoking"}}'
    )
    card, model = load_card(json_card)
    assert card.violations == {"smoke": ViolationCode.smoking} and model == tmp_path / "m.onnx"


def test_letterbox_pads_and_scales() -> None:
    canvas, ratio, pad = letterbox(np.full((64, 128, 3), 255, np.uint8), 64, 64)
    assert canvas.shape == (64, 64, 3) and ratio == 0.5 and pad == (0.0, 16.0)
    assert (canvas[:16] == 114).all() and (canvas[16:48] == 255).all()
