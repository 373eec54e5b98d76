"""The mask check's bar as the bench counts it: matching rules, one-to-one matching, the 16 px floor and the
right-class share, on boxes whose answers are worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from brightkitchen.training.mask_metrics import BarTally, match

LABELS = np.array(
    [
        [0, 0, 30, 40],  # a loose head box, mask (30 x 40)
        [50, 0, 80, 40],  # a loose head box, no mask
        [100, 0, 110, 10],  # a small face (10 px), mask: below the floor
    ],
    np.float32,
)
CLASSES = np.array([0, 1, 0], np.int64)


def test_a_tight_face_in_a_loose_label_is_found_by_centre_not_by_iou() -> None:
    tight = np.array([[8, 10, 22, 26]], np.float32)  # IoU with label 0: 224 / 1200 < 0.3
    assert match(tight, LABELS, "iou") == []
    assert match(tight, LABELS, "centre") == [(0, 0)]


def test_matching_is_one_to_one_best_iou_first() -> None:
    pred = np.array([[2, 2, 28, 38], [0, 0, 30, 40]], np.float32)  # both on label 0; the second is exact
    assert match(pred, LABELS, "iou") == [(1, 0)]
    assert match(pred, LABELS, "centre") == [(1, 0)]


def test_the_bar_counts_big_faces_found_and_rightly_classed() -> None:
    tally = BarTally()
    pred = np.array([[0, 0, 30, 40], [50, 0, 80, 40], [100, 0, 110, 10], [200, 200, 220, 220]], np.float32)
    tally.add(pred, ("face_mask", "face", "face_mask", "face_no_mask"), LABELS, CLASSES)
    for rule in ("iou", "centre"):
        count = tally.counts[rule]
        assert (count.faces, count.found, count.right, count.undecided) == (2, 2, 1, 1)
        assert count.by_class == {0: [1, 1, 1], 1: [1, 1, 0]}
        assert count.found_share == 1.0 and count.right_share == pytest.approx(0.5)
        assert not count.meets_bar()


def test_a_small_faces_box_is_not_credited_to_a_big_neighbour() -> None:
    labels = np.array([[0, 0, 40, 40], [10, 10, 20, 20]], np.float32)  # a big face, a small one inside it
    tally = BarTally()
    tally.add(np.array([[10, 10, 20, 20]], np.float32), ("face_mask",), labels, np.array([0, 0], np.int64))
    assert tally.counts["iou"].found == 0 and tally.counts["iou"].faces == 1
    assert "found   0.0% (0/1)" in tally.line("x")
