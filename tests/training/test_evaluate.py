"""Box matching, precision / recall, average precision, the F1 threshold and image-level figures, from tables."""

from __future__ import annotations

import pytest

from brightkitchen.training.evaluate import Boxes, image_level, match

FIRE, SMOKE = 0, 1
TRUTHS = [
    Boxes.truth([[0, 0, 100, 100], [200, 200, 300, 300]], [FIRE, SMOKE]),
    Boxes.truth([[50, 50, 150, 150]], [FIRE]),
    Boxes.truth([], []),  # background
]
PREDICTIONS = [
    # a hit, a duplicate of it (a false positive), a smoke box shifted by 30 px (IoU 0.32)
    Boxes.predicted([[0, 0, 100, 100], [5, 5, 100, 100], [230, 230, 330, 330]], [FIRE, FIRE, SMOKE], [0.9, 0.6, 0.7]),
    Boxes.predicted([[60, 60, 150, 150]], [FIRE], [0.4]),  # IoU 0.81
    Boxes.predicted([[10, 10, 40, 40]], [FIRE], [0.8]),  # on a background image
]


def test_greedy_matching_counts_a_duplicate_once() -> None:
    fire = match(PREDICTIONS, TRUTHS, FIRE, 0.5)
    assert fire.truths == 2
    assert fire.scores.tolist() == pytest.approx([0.9, 0.8, 0.6, 0.4])
    assert fire.hits.tolist() == [True, False, False, True]
    assert fire.at(0.5) == {"precision": 0.3333, "recall": 0.5, "true_positives": 1, "detections": 3, "boxes": 2}
    assert fire.at(0.0)["recall"] == 1.0 and fire.at(0.0)["precision"] == 0.5
    assert fire.at(0.95) == {"precision": 0.0, "recall": 0.0, "true_positives": 0, "detections": 0, "boxes": 2}


def test_a_looser_iou_counts_the_fuzzy_smoke_box() -> None:
    assert match(PREDICTIONS, TRUTHS, SMOKE, 0.5).hits.tolist() == [False]
    loose = match(PREDICTIONS, TRUTHS, SMOKE, 0.3)
    assert loose.hits.tolist() == [True]
    assert loose.average_precision() == pytest.approx(1.0)


def test_average_precision_and_the_best_f1_threshold() -> None:
    fire = match(PREDICTIONS, TRUTHS, FIRE, 0.5)
    # precision at each hit: 1/1 at recall 0.5, 2/4 at recall 1.0
    assert fire.average_precision() == pytest.approx(0.5 * 1.0 + 0.5 * 0.5)
    threshold, f1 = fire.best_f1()
    assert threshold == pytest.approx(0.9) and f1 == pytest.approx(2 / 3)  # 1 hit of 1 kept, 1 of 2 found
    assert fire.best_f1(floor=0.95) == (0.95, 0.0)


def test_ties_of_f1_go_to_the_higher_threshold() -> None:
    truths = [Boxes.truth([[0, 0, 10, 10]], [FIRE]), Boxes.truth([[0, 0, 10, 10]], [FIRE])]
    predictions = [
        Boxes.predicted([[0, 0, 10, 10]], [FIRE], [0.9]),
        Boxes.predicted([[0, 0, 10, 10], [50, 50, 60, 60]], [FIRE, FIRE], [0.5, 0.45]),
    ]
    threshold, f1 = match(predictions, truths, FIRE, 0.5).best_f1()
    assert threshold == pytest.approx(0.5) and f1 == pytest.approx(1.0)


def test_nothing_to_find_gives_zeros_not_errors() -> None:
    empty = match([Boxes.predicted([], [], [])], [Boxes.truth([], [])], FIRE, 0.5)
    assert empty.average_precision() == 0.0
    assert empty.at(0.5)["precision"] == 0.0 and empty.at(0.5)["recall"] == 0.0
    assert empty.best_f1() == (0.5, 0.0)


def test_image_level_precision_and_recall() -> None:
    fire = image_level(PREDICTIONS, TRUTHS, [FIRE], [0.5, 0.5])
    # flagged: image 1 (0.9) and the background image (0.8); image 2's 0.4 is under the threshold
    assert fire == {"precision": 0.5, "recall": 0.5, "positive_images": 2, "flagged_images": 2, "images": 3}
    either = image_level(PREDICTIONS, TRUTHS, [FIRE, SMOKE], [0.3, 0.3])
    assert either == {"precision": 0.6667, "recall": 1.0, "positive_images": 2, "flagged_images": 3, "images": 3}
