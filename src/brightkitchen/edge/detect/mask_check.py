"""The mask check: faces found, each called ``face_mask`` / ``face_no_mask`` (``face`` when undecided).

Two models, one forward pass each:
- the mask model (aizoo or ulfd) scores every anchor of the frame, cut into tiles when the frame is
  much larger than the model's fixed input, so faces are not shrunk below its smallest anchor;
- YuNet finds faces (upscaling small frames first); each YuNet face takes the class of the best
  mask-model anchor lying on it.
Faces only the mask model found are kept as ``face_mask``; by default a ``face_no_mask`` call needs
YuNet to agree there is a face, which cuts false alarms (see docs/detectors.md for the figures).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.edge.detect.base import Detections, Detector
from brightkitchen.edge.detect.masks import MASK_LABELS, MaskModel
from brightkitchen.edge.geometry import iou_matrix


class MaskCheckConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tile: int = Field(720, ge=0)  # frames over 1.25x this are tiled for the mask model; 0 = never
    tile_overlap: float = Field(0.2, ge=0, lt=1)
    face_upscale_below: int = Field(512, ge=0)  # frames whose longer side is under this are upscaled for YuNet
    face_match_iou: float = Field(0.4, ge=0, le=1)  # a YuNet face and a mask-model anchor on it
    classify_min_score: float = Field(0.2, ge=0, le=1)  # below this the face stays ``face``
    no_mask_needs_face: bool = True
    # With YuNet present, run the mask model only on tiles holding a YuNet face: frames without faces
    # (most kitchen frames) then cost YuNet alone. Loses only mask-model-only ``face_mask`` finds.
    mask_only_where_faces: bool = True


def tiles(width: int, height: int, tile: int, overlap: float) -> Iterator[tuple[int, int, int, int]]:
    """Overlapping windows (x1, y1, x2, y2) covering the frame; the whole frame when it is small enough."""
    if tile <= 0 or max(width, height) <= tile * 1.25:
        yield 0, 0, width, height
        return
    step = max(1, int(tile * (1 - overlap)))

    def starts(length: int) -> list[int]:
        if length <= tile:
            return [0]
        n = math.ceil((length - tile) / step) + 1
        return sorted({min(i * step, length - tile) for i in range(n)})

    for y in starts(height):
        for x in starts(width):
            yield x, y, min(x + tile, width), min(y + tile, height)


class MaskCheck:
    def __init__(self, config: MaskCheckConfig, model: MaskModel, faces: Detector | None) -> None:
        self.config = config
        self.model = model
        self.faces = faces

    def probabilities(
        self, frame_bgr: npt.NDArray[np.uint8], faces: Detections | None = None
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Mask-model anchors over the frame's tiles; with ``faces``, only over tiles holding a face centre."""
        h, w = frame_bgr.shape[:2]
        boxes: list[npt.NDArray[np.float32]] = [np.zeros((0, 4), np.float32)]
        probs: list[npt.NDArray[np.float32]] = [np.zeros((0, len(MASK_LABELS)), np.float32)]
        centres = None if faces is None else (faces.xyxy[:, :2] + faces.xyxy[:, 2:]) / 2
        for x1, y1, x2, y2 in tiles(w, h, self.config.tile, self.config.tile_overlap):
            if centres is not None and not np.any(
                (centres[:, 0] >= x1) & (centres[:, 0] < x2) & (centres[:, 1] >= y1) & (centres[:, 1] < y2)
            ):
                continue
            b, p = self.model.probabilities(frame_bgr[y1:y2, x1:x2])
            boxes.append(b + np.array([x1, y1, x1, y1], np.float32))
            probs.append(p)
        return np.concatenate(boxes), np.concatenate(probs)

    def find_faces(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        if self.faces is None:
            return Detections.empty()
        h, w = frame_bgr.shape[:2]
        below = self.config.face_upscale_below
        scale = math.ceil(below / max(h, w)) if below and max(h, w) < below else 1
        if scale == 1:
            return self.faces.detect(frame_bgr)
        big = np.asarray(cv2.resize(frame_bgr, (w * scale, h * scale), interpolation=cv2.INTER_CUBIC), np.uint8)
        found = self.faces.detect(big)
        return Detections(found.xyxy / scale, found.scores, found.labels)

    def run(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        faces = self.find_faces(frame_bgr)
        only_faces = self.faces is not None and self.config.mask_only_where_faces
        boxes, probs = self.probabilities(frame_bgr, faces if only_faces else None)
        own = self.model.decide(boxes, probs)
        classified = self.classify(faces, boxes, probs)
        if len(classified) and len(own):
            # the mask model's own finds that a YuNet face already covers are the same faces
            own = own.select(iou_matrix(own.xyxy, classified.xyxy).max(axis=1) < 0.3)
        if self.faces is not None and self.config.no_mask_needs_face:
            own = own.with_label(MASK_LABELS[0])
        return Detections.merge([classified, own])

    def classify(self, faces: Detections, boxes: npt.NDArray[np.float32], probs: npt.NDArray[np.float32]) -> Detections:
        if not len(faces):
            return Detections.empty()
        iou = iou_matrix(faces.xyxy, boxes)
        labels: list[str] = []
        scores: list[float] = []
        for i in range(len(faces)):
            on_face = iou[i] >= self.config.face_match_iou
            best = probs[on_face].max(axis=1) if on_face.any() else np.zeros(0, np.float32)
            if not len(best) or best.max() < self.config.classify_min_score:
                labels.append("face")
                scores.append(float(faces.scores[i]))
                continue
            row = probs[on_face][int(best.argmax())]
            labels.append(MASK_LABELS[int(row.argmax())])
            scores.append(float(row.max()))
        return Detections(faces.xyxy.astype(np.float32), np.asarray(scores, np.float32), tuple(labels))
