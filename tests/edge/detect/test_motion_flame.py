"""Stateful classical detectors on short real-background sequences. These check behaviour, not accuracy:
the flame method's accuracy is unmeasured (docs/detectors.md)."""

from __future__ import annotations

import cv2
import numpy as np

from brightkitchen.edge.detect.flame import FlameConfig, FlameDetector, flame_colour
from brightkitchen.edge.detect.motion import MotionConfig, MotionDetector
from brightkitchen.edge.geometry import iou_matrix
from tests.edge.detect.conftest import LabelledPhoto


def background(labelled_photo: LabelledPhoto) -> np.ndarray:
    _, photo, _, _ = labelled_photo
    return cv2.resize(photo, (640, 480), interpolation=cv2.INTER_CUBIC)


def test_motion_boxes_a_moving_blob_after_warmup(labelled_photo: LabelledPhoto) -> None:
    detector = MotionDetector(MotionConfig(warmup_frames=5))
    still = background(labelled_photo)
    for _ in range(30):
        assert len(detector.detect(still)) == 0
    last = None
    for step in range(5):
        frame = still.copy()
        x = 100 + 20 * step
        cv2.rectangle(frame, (x, 380), (x + 40, 420), (20, 20, 20), -1)  # a dark rat-sized blob on the floor
        last = detector.detect(frame)
    assert last is not None and set(last.labels) == {"motion"}
    assert iou_matrix(last.xyxy, [[180, 380, 220, 420]]).max() >= 0.3


def flame_frame(base: np.ndarray, t: int) -> np.ndarray:
    frame = base.copy()
    height = 60 + (25 if t % 2 else 0)  # the tongue of flame changes height frame to frame
    pts = np.array([[300, 400], [340, 400], [320 + (8 if t % 3 else -8), 400 - height]], np.int32)
    cv2.fillPoly(frame, [pts], (30, 140, 255))  # orange-yellow (BGR)
    cv2.ellipse(frame, (320, 392), (22, 10), 0, 0, 360, (60, 200, 255), -1)
    return frame


def test_flame_needs_colour_and_flicker(labelled_photo: LabelledPhoto) -> None:
    base = background(labelled_photo)
    stove = [(0.4, 0.6), (0.6, 0.6), (0.6, 0.9), (0.4, 0.9)]
    flicker = FlameDetector(FlameConfig(zone=stove))
    found = [flicker.detect(flame_frame(base, t)) for t in range(12)]
    assert len(found[0]) == 0  # needs a window of history first
    assert set(found[-1].labels) == {"flame"}
    assert iou_matrix(found[-1].xyxy, [[300, 315, 340, 405]]).max() >= 0.3

    steady = FlameDetector(FlameConfig(zone=stove))
    frame = flame_frame(base, 0)
    assert all(len(steady.detect(frame)) == 0 for _ in range(12))  # same colour, no flicker: not a flame

    outside = FlameDetector(FlameConfig(zone=[(0.0, 0.0), (0.2, 0.0), (0.2, 0.2), (0.0, 0.2)]))
    assert all(len(outside.detect(flame_frame(base, t))) == 0 for t in range(12))  # not in the stove zone


def test_flame_colour_rule_on_a_plain_photo(labelled_photo: LabelledPhoto) -> None:
    mask = flame_colour(background(labelled_photo), 190, 40)
    assert mask.mean() < 0.02  # people and a room: next to no flame-coloured pixels
