"""Small pure helpers on (N, 4) pixel-corner boxes (x1, y1, x2, y2). No state, no I/O."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

Boxes = npt.NDArray[np.float32]


def iou_matrix(a: npt.ArrayLike, b: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """IoU of every box of ``a`` against every box of ``b``: shape (len(a), len(b))."""
    a = np.asarray(a, np.float32).reshape(-1, 4)
    b = np.asarray(b, np.float32).reshape(-1, 4)
    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)), np.float32)
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]).clip(0) * (a[:, 3] - a[:, 1]).clip(0)
    area_b = (b[:, 2] - b[:, 0]).clip(0) * (b[:, 3] - b[:, 1]).clip(0)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0).astype(np.float32)


def nms(boxes: Boxes, scores: npt.NDArray[np.float32], iou_threshold: float, score_threshold: float = 0.0) -> list[int]:
    """Indices kept by non-maximum suppression, best first (cv2.dnn.NMSBoxes does the work)."""
    if not len(boxes):
        return []
    xywh = np.column_stack([boxes[:, 0], boxes[:, 1], boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]])
    kept = cv2.dnn.NMSBoxes(xywh.tolist(), scores.astype(float).tolist(), score_threshold, iou_threshold)
    return [int(i) for i in np.asarray(kept).reshape(-1)]


def batched_nms(
    boxes: Boxes, scores: npt.NDArray[np.float32], class_ids: npt.NDArray[np.int64], iou_threshold: float
) -> list[int]:
    """NMS within each class only (a phone next to a hand is not a duplicate of the person)."""
    if not len(boxes):
        return []
    xywh = np.column_stack([boxes[:, 0], boxes[:, 1], boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]])
    kept = cv2.dnn.NMSBoxesBatched(
        xywh.tolist(), scores.astype(float).tolist(), class_ids.astype(int).tolist(), 0.0, iou_threshold
    )
    return [int(i) for i in np.asarray(kept).reshape(-1)]


def clip(boxes: Boxes, width: int, height: int) -> Boxes:
    """Boxes clipped to the frame."""
    out = np.asarray(boxes, np.float32).reshape(-1, 4).copy()
    out[:, [0, 2]] = out[:, [0, 2]].clip(0, width)
    out[:, [1, 3]] = out[:, [1, 3]].clip(0, height)
    return out


def cxcywh_to_xyxy(cxcywh: npt.ArrayLike) -> Boxes:
    b = np.asarray(cxcywh, np.float32).reshape(-1, 4)
    half = b[:, 2:4] / 2
    return np.concatenate([b[:, 0:2] - half, b[:, 0:2] + half], axis=1).astype(np.float32)


def expand(boxes: Boxes, factor: float) -> Boxes:
    """Boxes grown about their centre by ``factor`` (1.0 = unchanged)."""
    b = np.asarray(boxes, np.float32).reshape(-1, 4)
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    hw, hh = (b[:, 2] - b[:, 0]) * factor / 2, (b[:, 3] - b[:, 1]) * factor / 2
    return np.column_stack([cx - hw, cy - hh, cx + hw, cy + hh]).astype(np.float32)


def intersects(a: npt.ArrayLike, b: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether each box of ``a`` overlaps each box of ``b`` at all: shape (len(a), len(b))."""
    a = np.asarray(a, np.float32).reshape(-1, 4)
    b = np.asarray(b, np.float32).reshape(-1, 4)
    return (
        (a[:, None, 0] < b[None, :, 2])
        & (b[None, :, 0] < a[:, None, 2])
        & (a[:, None, 1] < b[None, :, 3])
        & (b[None, :, 1] < a[:, None, 3])
    )
