"""Single-image violations from detection tables."""

from __future__ import annotations

from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.detect.frame_violations import frame_violations
from brightkitchen.protocol.codes import ViolationCode


def test_no_mask_from_any_unmasked_face() -> None:
    dets = Detections.from_lists([[0, 0, 10, 10], [20, 0, 30, 10]], [0.9, 0.8], ["face_mask", "face_no_mask"])
    assert frame_violations(dets) == [ViolationCode.no_mask]
    assert frame_violations(dets.with_label("face_mask")) == []


def test_phone_counts_only_at_a_person() -> None:
    person = ([100, 100, 200, 400], 0.9, "person")
    held = ([180, 200, 210, 240], 0.5, "cell_phone")  # overlapping the person's side
    near = ([205, 200, 215, 220], 0.5, "cell_phone")  # just outside, within the 20 % margin
    far = ([500, 200, 520, 240], 0.5, "cell_phone")

    def table(*rows: tuple[list[int], float, str]) -> Detections:
        return Detections.from_lists([list(map(float, r[0])) for r in rows], [r[1] for r in rows], [r[2] for r in rows])

    assert frame_violations(table(person, held)) == [ViolationCode.phone_use]
    assert frame_violations(table(person, near)) == [ViolationCode.phone_use]
    assert frame_violations(table(person, far)) == []
    assert frame_violations(table(held)) == []  # a phone on a table, nobody there


def test_card_labels_map_to_their_codes_in_enum_order() -> None:
    dets = Detections.from_lists([[0, 0, 5, 5], [0, 0, 5, 5]], [0.9, 0.9], ["cigarette", "face_no_mask"])
    codes = frame_violations(dets, {"cigarette": ViolationCode.smoking, "hat": ViolationCode.no_chef_hat})
    assert codes == [ViolationCode.no_mask, ViolationCode.smoking]
