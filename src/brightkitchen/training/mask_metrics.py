"""The mask check's bar: of the labelled faces big enough to judge, how many are found, and how many of those
get the right mask class.

- big enough: the label box's shorter side is at least ``MIN_SIDE`` pixels (16, in the image as stored);
- found: some predicted face (``face``, ``face_mask`` or ``face_no_mask``) is matched to the label one-to-one.
  Predictions are matched against every label (small ones too, so a small face's detection is not counted for
  a big neighbour), greedily, highest IoU first. Two rules: ``iou`` (IoU >= 0.3) and ``centre`` (the
  prediction's centre lies inside the label box; the labels are loose head boxes, which caps the IoU of a
  correct tight face box near 0.35);
- right class: the found face's label is ``face_mask`` for a ``mask`` label, ``face_no_mask`` for ``no-mask``;
  an undecided ``face`` counts as wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from brightkitchen.edge.geometry import iou_matrix

MIN_SIDE = 16.0
MATCH_IOU = 0.3
FACE_LABELS = ("face", "face_mask", "face_no_mask")
CLASS_LABELS = ("face_mask", "face_no_mask")  # dataset class 0 mask, 1 no-mask
Rule = Literal["iou", "centre"]
RULES: tuple[Rule, ...] = ("iou", "centre")


def match(pred: npt.NDArray[np.float32], truth: npt.NDArray[np.float32], rule: Rule) -> list[tuple[int, int]]:
    """One-to-one (prediction, label) pairs, greedy by IoU; ``rule`` says which pairs may match at all."""
    if not len(pred) or not len(truth):
        return []
    iou = iou_matrix(pred, truth)
    if rule == "iou":
        allowed = iou >= MATCH_IOU
    else:
        cx = (pred[:, 0] + pred[:, 2]) / 2
        cy = (pred[:, 1] + pred[:, 3]) / 2
        allowed = (
            (cx[:, None] >= truth[None, :, 0])
            & (cx[:, None] <= truth[None, :, 2])
            & (cy[:, None] >= truth[None, :, 1])
            & (cy[:, None] <= truth[None, :, 3])
        )
    order = np.argsort(-np.where(allowed, iou + 1.0, -1.0), axis=None)  # allowed pairs first, best IoU first
    used_p: set[int] = set()
    used_t: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for flat in order:
        i, j = (int(v) for v in np.unravel_index(flat, iou.shape))
        if not allowed[i, j]:
            break
        if i in used_p or j in used_t:
            continue
        used_p.add(i)
        used_t.add(j)
        pairs.append((i, j))
    return pairs


@dataclass
class BarCount:
    faces: int = 0  # big labelled faces
    found: int = 0
    right: int = 0
    undecided: int = 0  # found but left as ``face``
    by_class: dict[int, list[int]] = field(default_factory=lambda: {0: [0, 0, 0], 1: [0, 0, 0]})  # faces/found/right

    @property
    def found_share(self) -> float:
        return self.found / max(self.faces, 1)

    @property
    def right_share(self) -> float:
        return self.right / max(self.found, 1)

    def meets_bar(self, found: float = 0.8, right: float = 0.9) -> bool:
        return self.found_share >= found and self.right_share >= right


@dataclass
class BarTally:
    counts: dict[Rule, BarCount] = field(default_factory=lambda: {rule: BarCount() for rule in RULES})

    def add(
        self,
        boxes: npt.NDArray[np.float32],
        labels: tuple[str, ...],
        truth: npt.NDArray[np.float32],
        classes: npt.NDArray[np.int64],
    ) -> None:
        """One image: predicted boxes with their labels against the labelled boxes and classes."""
        keep = [i for i, lab in enumerate(labels) if lab in FACE_LABELS]
        pred = boxes[keep].reshape(-1, 4).astype(np.float32)
        pred_labels = [labels[i] for i in keep]
        sides = np.minimum(truth[:, 2] - truth[:, 0], truth[:, 3] - truth[:, 1]) if len(truth) else np.zeros(0)
        big = sides >= MIN_SIDE
        for rule in RULES:
            count = self.counts[rule]
            count.faces += int(big.sum())
            for c in (0, 1):
                count.by_class[c][0] += int((big & (classes == c)).sum())
            for i, j in match(pred, truth, rule):
                if not big[j]:
                    continue
                c = int(classes[j])
                count.found += 1
                count.by_class[c][1] += 1
                if pred_labels[i] == "face":
                    count.undecided += 1
                elif pred_labels[i] == CLASS_LABELS[c]:
                    count.right += 1
                    count.by_class[c][2] += 1

    def line(self, name: str) -> str:
        parts = [f"{name:<42}"]
        for rule in RULES:
            c = self.counts[rule]
            parts.append(
                f"{rule:>6}: found {c.found_share:6.1%} ({c.found}/{c.faces}) right {c.right_share:6.1%} "
                f"({c.right}/{c.found}, undecided {c.undecided})"
            )
        return "  ".join(parts)
