"""Detection metrics on numpy tables: box matching at an IoU, precision / recall at a score threshold, average
precision, the threshold that maximises F1, and image-level precision / recall ("is there any fire in the image").

Matching is greedy per image and label, best score first, each true box matched at most once (as in PASCAL VOC).
Because a detection's match never depends on lower-scored ones, one pass gives the result at every threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from brightkitchen.edge.geometry import iou_matrix

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Boxes:
    """One image's boxes (corners, pixels) and class indices, with scores for predictions (1 for truth)."""

    xyxy: Floats
    classes: Ints
    scores: Floats

    @classmethod
    def truth(cls, xyxy: npt.ArrayLike, classes: npt.ArrayLike) -> Boxes:
        boxes = np.asarray(xyxy, np.float32).reshape(-1, 4)
        return cls(boxes, np.asarray(classes, np.int64).reshape(-1), np.ones(len(boxes), np.float32))

    @classmethod
    def predicted(cls, xyxy: npt.ArrayLike, classes: npt.ArrayLike, scores: npt.ArrayLike) -> Boxes:
        return cls(
            np.asarray(xyxy, np.float32).reshape(-1, 4),
            np.asarray(classes, np.int64).reshape(-1),
            np.asarray(scores, np.float32).reshape(-1),
        )


@dataclass(frozen=True)
class Matches:
    """Every detection of one label over a set of images: its score and whether it matched a true box."""

    scores: Floats  # sorted high to low
    hits: npt.NDArray[np.bool_]
    truths: int

    def at(self, threshold: float) -> dict[str, float]:
        kept = self.scores >= threshold
        tp = int(self.hits[kept].sum())
        detections = int(kept.sum())
        return {
            "precision": round(tp / detections, 4) if detections else 0.0,
            "recall": round(tp / self.truths, 4) if self.truths else 0.0,
            "true_positives": tp,
            "detections": detections,
            "boxes": self.truths,
        }

    def average_precision(self) -> float:
        """Area under the precision envelope (all-point interpolation)."""
        if not self.truths or not len(self.scores):
            return 0.0
        tp = np.cumsum(self.hits)
        precision = tp / np.arange(1, len(tp) + 1)
        recall = tp / self.truths
        envelope = np.maximum.accumulate(precision[::-1])[::-1]
        steps = np.diff(np.concatenate([[0.0], recall]))
        return float((steps * envelope).sum())

    def best_f1(self, floor: float = 0.05) -> tuple[float, float]:
        """The score threshold (at least ``floor``) with the highest F1, and that F1; ties go to the higher one."""
        if not self.truths or not len(self.scores):
            return max(floor, 0.5), 0.0
        if self.scores[0] < floor:  # nothing scores that high: the floor itself, finding nothing
            return floor, 0.0
        tp = np.cumsum(self.hits)
        f1 = 2 * tp / (np.arange(1, len(tp) + 1) + self.truths)
        f1 = np.where(self.scores >= floor, f1, -1.0)
        best = int(np.argmax(f1))  # argmax takes the first, the highest threshold among ties
        return float(self.scores[best]), float(f1[best])


def match(predictions: Sequence[Boxes], truths: Sequence[Boxes], label: int, iou: float) -> Matches:
    """Greedy matching of ``label``'s detections to its true boxes in each image, at IoU >= ``iou``."""
    scores: list[float] = []
    hits: list[bool] = []
    count = 0
    for pred, true in zip(predictions, truths, strict=True):
        gt = true.xyxy[true.classes == label]
        count += len(gt)
        mine = pred.classes == label
        boxes, conf = pred.xyxy[mine], pred.scores[mine]
        order = np.argsort(-conf, kind="stable")
        overlaps = iou_matrix(boxes[order], gt)
        taken = np.zeros(len(gt), bool)
        for row, i in enumerate(order):
            hit = False
            if len(gt):
                free = np.where(taken, -1.0, overlaps[row])
                j = int(np.argmax(free))
                if free[j] >= iou:
                    taken[j] = hit = True
            scores.append(float(conf[i]))
            hits.append(hit)
    order_all = np.argsort(-np.asarray(scores, np.float32), kind="stable")
    return Matches(np.asarray(scores, np.float32)[order_all], np.asarray(hits, bool)[order_all], count)


def image_level(
    predictions: Sequence[Boxes], truths: Sequence[Boxes], labels: Sequence[int], thresholds: Sequence[float]
) -> dict[str, float]:
    """Precision / recall of "the image shows any of ``labels``": predicted when any detection of them passes its
    label's threshold (``thresholds`` indexed by class), true when any true box is one of them."""
    limit = np.asarray(thresholds, np.float32)
    wanted = np.asarray(labels, np.int64)
    said = np.array([bool(np.any(np.isin(p.classes, wanted) & (p.scores >= limit[p.classes]))) for p in predictions])
    shown = np.array([bool(np.isin(t.classes, wanted).any()) for t in truths])
    tp = int((said & shown).sum())
    return {
        "precision": round(tp / int(said.sum()), 4) if said.any() else 0.0,
        "recall": round(tp / int(shown.sum()), 4) if shown.any() else 0.0,
        "positive_images": int(shown.sum()),
        "flagged_images": int(said.sum()),
        "images": len(truths),
    }
