"""No model pack: the stack falls back to the Haar cascades in the opencv wheel and says so loudly."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import cv2
import pytest

from brightkitchen.edge.detect.files import ModelFileMissing
from brightkitchen.edge.detect.pipeline import DetectorStack, StackConfig
from tests.edge.detect.conftest import LabelledPhoto
from tests.edge.detect.helpers import centres_inside


def test_empty_models_folder_gives_the_announced_haar_fallback(
    tmp_path: Path, labelled_photo: LabelledPhoto, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        stack = DetectorStack.build(StackConfig(), tmp_path / "no-models")
    assert stack.fallback == "haar"
    assert any("no model pack installed" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert stack.versions() == {"haar-fallback": cv2.__version__}
    _, frame, boxes, _ = labelled_photo
    found = stack.run(frame)
    assert set(found.labels) <= {"face"}  # no mask decision without the pack
    assert len(found) >= 1 and centres_inside(found.xyxy, boxes).any(axis=1).all()


def test_real_pack_is_not_a_fallback(stack: DetectorStack) -> None:
    assert stack.fallback is None
    assert {"yolo-fastest-coco", "aizoo-facemask", "yunet"} <= set(stack.versions())


def test_half_installed_pack_is_an_error_not_a_fallback(tmp_path: Path, models_dir: Path) -> None:
    shutil.copytree(models_dir / "yunet", tmp_path / "yunet")
    with pytest.raises(ModelFileMissing, match="incomplete"):
        DetectorStack.build(StackConfig(), tmp_path)
