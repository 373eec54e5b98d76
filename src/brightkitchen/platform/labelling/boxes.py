"""Boxes in relative coordinates (0..1, x1 < x2, y1 < y2) with a label of the task's vocabulary: checking
what a reviewer sends, turning an alert's pixel boxes into them, and comparing two sets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from brightkitchen.platform.labelling.vocab import Task, map_label, vocabulary
from brightkitchen.platform.problems import Problem

DIGITS = 9  # stored precision: far below a pixel, and a YOLO line's 6 decimals survive a round trip exactly
COMPARE_DIGITS = 6  # two sets are "the same" at the precision of an exported label
MAX_BOXES = 500
EDGE_SLACK = 1e-6  # a box a rounding error past the frame's edge is clamped, not refused


@dataclass(frozen=True)
class RelBox:
    label: str
    x1: float
    y1: float
    x2: float
    y2: float

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "x1": self.x1, "y1": self.y1, "x2": self.x2, "y2": self.y2}

    def yolo(self) -> tuple[float, float, float, float]:
        """Centre x, centre y, width, height."""
        return (self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2, self.x2 - self.x1, self.y2 - self.y1


def _clamp(value: float) -> float:
    return round(min(max(value, 0.0), 1.0), DIGITS)


def box_of(raw: dict[str, Any]) -> RelBox:
    """A stored box (already checked) back as a ``RelBox``."""
    return RelBox(str(raw["label"]), float(raw["x1"]), float(raw["y1"]), float(raw["x2"]), float(raw["y2"]))


def boxes_of(raw: Iterable[dict[str, Any]]) -> list[RelBox]:
    return [box_of(b) for b in raw]


def _bad_box(index: int, message: str) -> Problem:
    return Problem(
        422,
        "Invalid box",
        f"box {index}: {message}",
        code="bad_box",
        errors=[{"field": f"boxes.{index}", "message": message}],
    )


def checked_boxes(task: Task | str, boxes: Sequence[dict[str, Any]]) -> list[RelBox]:
    """A reviewer's boxes: every label in the task's vocabulary (else 422 ``unknown_label`` naming them all),
    every box inside the frame with its corners ordered and an area (else 422 ``bad_box``)."""
    if len(boxes) > MAX_BOXES:
        raise Problem(
            422,
            "Invalid box",
            f"at most {MAX_BOXES} boxes per image",
            code="bad_box",
            errors=[{"field": "boxes", "message": f"at most {MAX_BOXES} boxes"}],
        )
    names = vocabulary(task).names
    unknown = [(i, str(b["label"])) for i, b in enumerate(boxes) if b["label"] not in names]
    if unknown:
        listed = ", ".join(dict.fromkeys(label for _, label in unknown))
        raise Problem(
            422,
            "Unknown label",
            f"labels not in the {task} vocabulary: {listed}",
            code="unknown_label",
            errors=[
                {"field": f"boxes.{i}.label", "message": f"'{label}' is not a {task} label"} for i, label in unknown
            ],
        )
    out = []
    for i, b in enumerate(boxes):
        x1, y1, x2, y2 = (float(b[k]) for k in ("x1", "y1", "x2", "y2"))
        if not all(0.0 <= v <= 1.0 for v in (x1, y1, x2, y2)):
            raise _bad_box(i, "coordinates are relative to the frame: between 0 and 1")
        box = RelBox(str(b["label"]), _clamp(x1), _clamp(y1), _clamp(x2), _clamp(y2))
        if not (box.x1 < box.x2 and box.y1 < box.y2):
            raise _bad_box(i, "the box is empty: x1 < x2 and y1 < y2 are needed")
        out.append(box)
    return out


def from_yolo(label: str, cx: float, cy: float, w: float, h: float) -> RelBox | None:
    """A YOLO box as corners; None when it lies outside the frame by more than a rounding error, or is empty."""
    x1, y1, x2, y2 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
    if min(x1, y1) < -EDGE_SLACK or max(x2, y2) > 1 + EDGE_SLACK or w <= 0 or h <= 0:
        return None
    return RelBox(label, _clamp(x1), _clamp(y1), _clamp(x2), _clamp(y2))


def from_alert(
    task: Task | str, boxes: Iterable[dict[str, Any]], width: int, height: int
) -> tuple[list[RelBox], list[str]]:
    """An alert's pixel boxes (of a ``width`` x ``height`` frame) in the task's vocabulary, and the labels that
    have no place in it (dropped, each named once). Boxes that are empty once inside the frame are left out."""
    kept: list[RelBox] = []
    dropped: list[str] = []
    for raw in boxes:
        label = str(raw.get("label", ""))
        mapped = map_label(task, label)
        if mapped is None:
            if label not in dropped:
                dropped.append(label)
            continue
        try:
            x1, y1, x2, y2 = (float(raw[k]) for k in ("x1", "y1", "x2", "y2"))
        except (KeyError, TypeError, ValueError):
            continue
        box = RelBox(mapped, _clamp(x1 / width), _clamp(y1 / height), _clamp(x2 / width), _clamp(y2 / height))
        if box.x1 < box.x2 and box.y1 < box.y2:
            kept.append(box)
    return kept, dropped


def same(a: Iterable[RelBox], b: Iterable[RelBox]) -> bool:
    """The same boxes, in any order, at the precision of an exported label."""

    def key(box: RelBox) -> tuple[str, float, float, float, float]:
        r = COMPARE_DIGITS
        return (box.label, round(box.x1, r), round(box.y1, r), round(box.x2, r), round(box.y2, r))

    return sorted(map(key, a)) == sorted(map(key, b))
