"""Yolo-Fastest through cv2.dnn: real weights on a real photo, and the row decode on a known table."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from brightkitchen.edge.detect.yolo_darknet import YoloDarknetConfig, YoloDarknetDetector, decode_darknet_rows
from brightkitchen.edge.geometry import intersects
from tests.edge.detect.conftest import LabelledPhoto


def test_coco_model_finds_the_people_of_a_real_photo(models_dir: Path, labelled_photo: LabelledPhoto) -> None:
    # the 128x128 dataset photo, upscaled 4x to a 512x512 frame: four people, their faces labelled
    _, photo, faces, _ = labelled_photo
    frame = cv2.resize(photo, (512, 512), interpolation=cv2.INTER_CUBIC)
    found = YoloDarknetDetector.load(YoloDarknetConfig(), models_dir).detect(frame)
    people = found.with_label("person")
    assert len(people) >= 2
    assert people.scores.max() >= 0.8
    # every labelled face lies in some person box
    assert intersects(faces * 4, people.xyxy).any(axis=1).all()
    assert set(found.labels) <= {"person", "cell_phone"}


def test_body_model_finds_people_only(models_dir: Path, labelled_photo: LabelledPhoto) -> None:
    _, photo, _, _ = labelled_photo
    found = YoloDarknetDetector.load(YoloDarknetConfig.body(), models_dir).detect(photo)
    assert len(found) >= 1 and set(found.labels) == {"person"}


def test_decode_maps_configured_classes_and_ignores_the_rest() -> None:
    rows = np.zeros((4, 85), np.float32)
    rows[0, :4], rows[0, 5 + 0] = [0.5, 0.5, 0.2, 0.4], 0.9  # person
    rows[1, :4], rows[1, 5 + 67] = [0.25, 0.25, 0.1, 0.1], 0.25  # phone: above its own lower bar
    rows[2, :4], rows[2, 5 + 43] = [0.7, 0.7, 0.1, 0.1], 0.95  # knife: not configured
    rows[3, :4], rows[3, 5 + 0] = [0.5, 0.5, 0.2, 0.4], 0.1  # person under the threshold
    found = decode_darknet_rows(rows, 200, 100, YoloDarknetConfig())
    assert found.labels == ("person", "cell_phone")
    np.testing.assert_allclose(found.xyxy, [[80, 30, 120, 70], [40, 20, 60, 30]], atol=1e-4)
    np.testing.assert_allclose(found.scores, [0.9, 0.25], atol=1e-6)
