"""AIZOO FaceMaskDetection (Caffe SSD, 260x260) through cv2.dnn: ``face_mask`` / ``face_no_mask``.

The network gives raw box deltas against fixed SSD anchors; the anchors and the decode follow the
upstream anchor_generator / anchor_decode (feature maps 33, 17, 9, 5, 3; two sizes and three ratios
per map; variances 0.1, 0.1, 0.2, 0.2).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.edge.detect.base import Detections, SingleModel
from brightkitchen.edge.detect.files import cpu_net, model_file
from brightkitchen.edge.detect.masks import mask_detections
from brightkitchen.edge.geometry import clip

FEATURE_MAPS = (33, 17, 9, 5, 3)
ANCHOR_SIZES = ((0.04, 0.056), (0.08, 0.11), (0.16, 0.22), (0.32, 0.45), (0.64, 0.72))
ANCHOR_RATIOS = (1.0, 0.62, 0.42)
VARIANCES = np.array([0.1, 0.1, 0.2, 0.2], np.float32)


class AizooConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    folder: str = "aizoo-facemask"
    prototxt: str = "face_mask_detection.prototxt"
    caffemodel: str = "face_mask_detection.caffemodel"
    version: str = "256dc65f"
    input_size: int = Field(260, ge=32)
    score_threshold: float = Field(0.5, ge=0, le=1)  # upstream default
    nms_iou: float = Field(0.4, ge=0, le=1)  # upstream default


def aizoo_anchors() -> npt.NDArray[np.float32]:
    """(5972, 4) anchors as relative (cx, cy, w, h), in the order the network emits them."""
    rows: list[npt.NDArray[np.float32]] = []
    for size, scales in zip(FEATURE_MAPS, ANCHOR_SIZES, strict=True):
        # per location: every scale at ratio 1, then the first scale at each other ratio
        shapes = [(s * np.sqrt(ANCHOR_RATIOS[0]), s / np.sqrt(ANCHOR_RATIOS[0])) for s in scales]
        shapes += [(scales[0] * np.sqrt(r), scales[0] / np.sqrt(r)) for r in ANCHOR_RATIOS[1:]]
        centres = (np.arange(size, dtype=np.float32) + 0.5) / size
        cx, cy = np.meshgrid(centres, centres)  # row-major over (y, x)
        wh = np.array(shapes, np.float32)
        grid = np.stack([cx, cy], axis=-1).reshape(-1, 1, 2)
        anchors = np.concatenate(
            [np.broadcast_to(grid, (len(grid), len(wh), 2)), np.broadcast_to(wh, (len(grid), len(wh), 2))], axis=-1
        )
        rows.append(anchors.reshape(-1, 4))
    return np.concatenate(rows).astype(np.float32)


def decode_aizoo(deltas: npt.NDArray[np.float32], anchors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Relative corner boxes from SSD deltas: centre offsets scaled by anchor size, width/height by exp."""
    d = deltas.reshape(-1, 4) * VARIANCES
    cx = anchors[:, 0] + d[:, 0] * anchors[:, 2]
    cy = anchors[:, 1] + d[:, 1] * anchors[:, 3]
    w = anchors[:, 2] * np.exp(d[:, 2])
    h = anchors[:, 3] * np.exp(d[:, 3])
    return np.column_stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]).astype(np.float32)


class AizooMaskDetector(SingleModel):
    def __init__(self, config: AizooConfig, net: cv2.dnn.Net) -> None:
        self.config = config
        self.name = "aizoo-facemask"
        self.version = config.version
        self._net = net
        self._anchors = aizoo_anchors()

    @classmethod
    def load(cls, config: AizooConfig, models_dir: Path) -> AizooMaskDetector:
        proto = model_file(models_dir, config.folder, config.prototxt)
        weights = model_file(models_dir, config.folder, config.caffemodel)
        return cls(config, cpu_net(cv2.dnn.readNetFromCaffe(str(proto), str(weights))))

    def probabilities(
        self, frame_bgr: npt.NDArray[np.uint8]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Every anchor: pixel corner boxes (N, 4) and probabilities (N, 2) of (mask, no mask)."""
        h, w = frame_bgr.shape[:2]
        size = self.config.input_size
        self._net.setInput(cv2.dnn.blobFromImage(frame_bgr, 1 / 255.0, (size, size), swapRB=True))
        deltas, probs = self._net.forward(["loc_branch_concat", "cls_branch_concat"])
        boxes = decode_aizoo(np.asarray(deltas, np.float32), self._anchors) * np.array([w, h, w, h], np.float32)
        return clip(boxes, w, h), np.asarray(probs, np.float32).reshape(-1, 2)

    def decide(self, boxes: npt.NDArray[np.float32], probs: npt.NDArray[np.float32]) -> Detections:
        return mask_detections(boxes, probs, self.config.score_threshold, self.config.nms_iou)

    def detect(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        return self.decide(*self.probabilities(frame_bgr))
