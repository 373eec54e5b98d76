"""Boxes on the wire: clipped to the frame, and a detector's non-finite numbers never reach the event (the
platform refuses NaN and infinity, which would leave the event dead with its evidence)."""

from __future__ import annotations

import math

from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.events import wire_boxes
from brightkitchen.protocol import Box


def test_non_finite_boxes_are_left_out_and_the_rest_clipped() -> None:
    nan, inf = math.nan, math.inf
    dets = Detections.from_lists(
        [[-5, 10, 50, 60], [nan, 0, 10, 10], [0, 0, inf, 10], [10, 10, 700, 500], [1, 1, 2, 2]],
        [0.9, 0.8, 0.7, 1.5, nan],
        ["face_no_mask", "person", "person", "person", "cell phone"],
    )
    boxes = wire_boxes(dets, width=640, height=480)
    assert [(b.label, b.x1, b.y1, b.x2, b.y2, b.score) for b in boxes] == [
        ("face_no_mask", 0.0, 10.0, 50.0, 60.0, 0.8999999761581421),
        ("person", 10.0, 10.0, 640.0, 480.0, 1.0),
    ]
    assert all(isinstance(b, Box) for b in boxes)
