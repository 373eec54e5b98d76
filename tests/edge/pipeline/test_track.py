"""The tracker: ids stable across ~1 fps frames, low-score recovery, label groups, expiry."""

from __future__ import annotations

import time

import numpy as np
import pytest

from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.track import ByteTracker, TrackerOptions
from tests.edge.pipeline.conftest import dets


def ids(d: Detections) -> list[int]:
    assert d.track_ids is not None
    return d.track_ids.tolist()


def test_a_walking_person_keeps_one_id() -> None:
    tr = ByteTracker()
    seen = []
    for i in range(10):  # 40 px a second to the right, one frame a second
        x = 100 + 40 * i
        seen += ids(tr.update(dets(("person", 0.9, x, 100, x + 200, 600)), float(i)))
    assert seen == [1] * 10


def test_constant_velocity_bridges_fast_motion() -> None:
    tr = ByteTracker()
    seen = []
    for i in range(8):  # 150 px/s on a 200 px box: successive IoU 0.14; the prediction carries it on
        x = 100 + 150 * i
        seen += ids(tr.update(dets(("person", 0.9, x, 100, x + 200, 600)), float(i)))
    assert len(set(seen)) == 1


def test_two_people_crossing_keep_distinct_ids() -> None:
    tr = ByteTracker()
    a_ids, b_ids = set(), set()
    for i in range(6):
        a = tr.update(dets(("person", 0.9, 100 + 20 * i, 100, 300 + 20 * i, 600),
                           ("person", 0.9, 700 - 20 * i, 100, 900 - 20 * i, 600)), float(i))  # fmt: skip
        a_ids.add(ids(a)[0])
        b_ids.add(ids(a)[1])
    assert len(a_ids) == len(b_ids) == 1 and a_ids != b_ids


def test_low_score_detection_keeps_the_track_but_does_not_start_one() -> None:
    tr = ByteTracker(TrackerOptions(high_score=0.5, low_score=0.1))
    assert ids(tr.update(dets(("person", 0.9, 100, 100, 300, 600)), 0.0)) == [1]
    assert ids(tr.update(dets(("person", 0.2, 105, 100, 305, 600)), 1.0)) == [1]  # occluded: score dips
    assert ids(tr.update(dets(("person", 0.2, 800, 100, 900, 600)), 2.0)) == [-1]  # a weak new box: untracked


def test_mask_flip_keeps_the_face_id_and_labels_do_not_mix() -> None:
    tr = ByteTracker()
    first = tr.update(dets(("face_mask", 0.9, 100, 100, 150, 160), ("person", 0.9, 80, 80, 300, 600)), 0.0)
    second = tr.update(dets(("face_no_mask", 0.9, 102, 100, 152, 160), ("person", 0.9, 82, 80, 302, 600)), 1.0)
    assert ids(first) == ids(second)
    assert ids(first)[0] != ids(first)[1]


def test_lost_tracks_expire() -> None:
    tr = ByteTracker(TrackerOptions(lost_s=3.0))
    box = ("person", 0.9, 100, 100, 300, 600)
    first = ids(tr.update(dets(box), 0.0))
    assert ids(tr.update(dets(box), 2.0)) == first  # within lost_s
    assert ids(tr.update(Detections.empty(), 3.0)) == []
    assert ids(tr.update(dets(box), 6.0)) != first  # gone 4 s > 3 s: a new track
    assert tr.active_tracks == 1


@pytest.mark.parametrize("n", [10, 50])
def test_tracking_cost_is_small_beside_inference(n: int) -> None:
    """Measured: with n objects the update costs well under a millisecond or so; models take ~10-50 ms."""
    rng = np.random.default_rng(0)
    base = rng.uniform(0, 1000, (n, 2))
    tr = ByteTracker()
    start = time.perf_counter()
    for i in range(50):
        xy = base + i * 5
        boxes = np.column_stack([xy, xy + 60]).tolist()
        tr.update(Detections.from_lists(boxes, [0.9] * n, ["person"] * n), float(i))
    per_frame_ms = (time.perf_counter() - start) / 50 * 1000
    assert per_frame_ms < 10, per_frame_ms
