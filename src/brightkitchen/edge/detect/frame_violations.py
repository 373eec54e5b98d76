"""Violations one still image shows on its own (for `brightkitchen detect`; the edge rules work over time)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.geometry import expand, intersects
from brightkitchen.protocol.codes import ViolationCode

PHONE_NEAR = 1.2  # a phone counts as held when it touches the person's box grown by 20 %


def phone_held(detections: Detections) -> bool:
    phones = detections.with_label("cell_phone").xyxy
    people = detections.with_label("person").xyxy
    if not len(phones) or not len(people):
        return False
    return bool(np.any(intersects(phones, expand(people, PHONE_NEAR))))


def frame_violations(
    detections: Detections, label_codes: Mapping[str, ViolationCode] | None = None
) -> list[ViolationCode]:
    """Codes in the stable enum order: no_mask for any unmasked face, phone_use for a phone at a person,
    and the code a model card maps a detected label to."""
    found: set[ViolationCode] = set()
    if "face_no_mask" in detections.labels:
        found.add(ViolationCode.no_mask)
    if phone_held(detections):
        found.add(ViolationCode.phone_use)
    for label, code in (label_codes or {}).items():
        if label in detections.labels:
            found.add(code)
    return [code for code in ViolationCode if code in found]
