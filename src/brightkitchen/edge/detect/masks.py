"""What the two mask models share: the (mask, no mask) probability layout and how it becomes detections."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.geometry import nms

MASK_LABELS = ("face_mask", "face_no_mask")  # column order of every probabilities() array


class MaskModel(Protocol):
    """A face-mask detector that also exposes its per-anchor scores, so faces found by another
    detector can be classified from the same forward pass."""

    name: str
    version: str

    def probabilities(
        self, frame_bgr: npt.NDArray[np.uint8]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]: ...

    def decide(self, boxes: npt.NDArray[np.float32], probs: npt.NDArray[np.float32]) -> Detections:
        """Detections from (possibly tiled and concatenated) probabilities, with the model's thresholds."""
        ...

    def detect(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections: ...


def mask_detections(
    boxes: npt.NDArray[np.float32], probs: npt.NDArray[np.float32], score_threshold: float, nms_iou: float
) -> Detections:
    """Anchors above the threshold, one NMS across both classes (a face is masked or not, never both)."""
    best = probs.max(axis=1) if len(probs) else np.zeros((0,), np.float32)
    keep = best >= score_threshold
    if not keep.any():
        return Detections.empty()
    picked = nms(boxes[keep], best[keep], nms_iou)
    cls = probs[keep].argmax(axis=1)[picked]
    return Detections(
        boxes[keep][picked].astype(np.float32),
        best[keep][picked].astype(np.float32),
        tuple(MASK_LABELS[c] for c in cls),
    )
