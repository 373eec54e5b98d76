"""Box helpers, checked against small hand-worked tables."""

from __future__ import annotations

import numpy as np
import pytest

from brightkitchen.edge.detect.mask_check import tiles
from brightkitchen.edge.geometry import batched_nms, cxcywh_to_xyxy, expand, intersects, iou_matrix, nms


@pytest.mark.parametrize(
    ("a", "b", "iou"),
    [
        ([0, 0, 10, 10], [0, 0, 10, 10], 1.0),
        ([0, 0, 10, 10], [5, 0, 15, 10], 50 / 150),
        ([0, 0, 10, 10], [10, 10, 20, 20], 0.0),  # touching corners share no area
        ([0, 0, 10, 10], [2, 2, 4, 4], 4 / 100),
    ],
)
def test_iou_matrix(a: list[float], b: list[float], iou: float) -> None:
    assert iou_matrix([a], [b])[0, 0] == pytest.approx(iou, abs=1e-6)


def test_iou_matrix_shapes_and_empty() -> None:
    assert iou_matrix(np.zeros((3, 4)), np.zeros((0, 4))).shape == (3, 0)
    assert iou_matrix([[0, 0, 1, 1], [0, 0, 2, 2]], [[0, 0, 1, 1]]).shape == (2, 1)


def test_nms_keeps_best_of_overlapping_and_separate_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]], np.float32)
    scores = np.array([0.6, 0.9, 0.5], np.float32)
    assert sorted(nms(boxes, scores, 0.5)) == [1, 2]


def test_batched_nms_does_not_suppress_across_classes() -> None:
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10]], np.float32)
    scores = np.array([0.9, 0.8], np.float32)
    assert sorted(batched_nms(boxes, scores, np.array([0, 1]), 0.5)) == [0, 1]
    assert batched_nms(boxes, scores, np.array([0, 0]), 0.5) == [0]


def test_conversions() -> None:
    np.testing.assert_allclose(cxcywh_to_xyxy([[10, 20, 4, 6]]), [[8, 17, 12, 23]])
    np.testing.assert_allclose(expand(np.array([[0, 0, 10, 20]], np.float32), 2.0), [[-5, -10, 15, 30]])
    assert intersects([[0, 0, 10, 10]], [[9, 9, 20, 20], [10, 0, 20, 10]]).tolist() == [[True, False]]


def test_tiles_cover_the_frame_with_overlap() -> None:
    assert list(tiles(640, 480, 720, 0.2)) == [(0, 0, 640, 480)]  # small enough: one window
    windows = list(tiles(1920, 1080, 720, 0.2))
    covered = np.zeros((1080, 1920), bool)
    for x1, y1, x2, y2 in windows:
        assert x2 - x1 == 720 and y2 - y1 == 720
        covered[y1:y2, x1:x2] = True
    assert covered.all()
    assert list(tiles(1920, 1080, 0, 0.2)) == [(0, 0, 1920, 1080)]  # tiling off
