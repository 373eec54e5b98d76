"""The mask check: faces found, each called ``face_mask`` / ``face_no_mask`` (``face`` when undecided).

Two models, one forward pass each:
- the mask model (aizoo or ulfd) scores every anchor of the frame, cut into tiles when the frame is
  much larger than the model's fixed input, so faces are not shrunk below its smallest anchor;
- YuNet finds faces (upscaling small frames first); each YuNet face takes the class of the best
  mask-model anchor lying on it.
Faces only the mask model found are kept as ``face_mask``; by default a ``face_no_mask`` call needs
YuNet to agree there is a face, which cuts false alarms (see docs/detectors.md for the figures).

With a face-attribute classifier (``face_attributes.py``, the default when installed), the faces are
YuNet's plus the mask model's own finds at a lower bar, and the classifier decides each one: mask, no
mask, or not a face (dropped). It replaces the anchor vote, which measured far below the bar.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.edge.detect.base import Detections, Detector
from brightkitchen.edge.detect.face_attributes import BACKGROUND, MASK, NO_MASK, FaceAttributes
from brightkitchen.edge.detect.masks import MASK_LABELS, MaskModel, mask_detections
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
    # With the classifier: YuNet faces down to this score (the stack builds YuNet with it: masked faces score
    # low), and the mask model's own finds of either class down to ``mask_model_face_score`` as faces too
    # (chosen on train + validation; see docs/detectors.md).
    classifier_face_score: float = Field(0.2, ge=0, le=1)
    use_mask_model_faces: bool = True
    mask_model_face_score: float = Field(0.3, ge=0, le=1)
    # A no-mask call on a face found with a score below this stays ``face`` (undecided, no alarm): most weak
    # faces called unmasked were no face at all (validation: 24 false alarms instead of 93, 30 hits not 35).
    no_mask_min_face_score: float = Field(0.5, ge=0, le=1)
    # Drop the faces the classifier calls background. Off: on validation it cost 7.7 points of found faces
    # and spared one false no-mask call for two hits (weak no-mask calls are already held back above).
    drop_background: bool = False


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
    def __init__(
        self,
        config: MaskCheckConfig,
        model: MaskModel | None,
        faces: Detector | None,
        attributes: FaceAttributes | None = None,
    ) -> None:
        if model is None and attributes is None:
            raise ValueError("the mask check needs a mask model, a face-attribute classifier, or both")
        self.config = config
        self.model = model
        self.faces = faces
        self.attributes = attributes

    def probabilities(
        self, frame_bgr: npt.NDArray[np.uint8], faces: Detections | None = None
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Mask-model anchors over the frame's tiles; with ``faces``, only over tiles holding a face centre."""
        h, w = frame_bgr.shape[:2]
        boxes: list[npt.NDArray[np.float32]] = [np.zeros((0, 4), np.float32)]
        probs: list[npt.NDArray[np.float32]] = [np.zeros((0, len(MASK_LABELS)), np.float32)]
        centres = None if faces is None else (faces.xyxy[:, :2] + faces.xyxy[:, 2:]) / 2
        if self.model is None:
            return boxes[0], probs[0]
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
        if self.attributes is not None:
            return self.run_classifier(frame_bgr, self.attributes)
        assert self.model is not None  # __init__ allows no model only with a classifier
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

    def candidate_faces(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        """YuNet's faces, plus the mask model's finds (either class) that no YuNet face covers."""
        faces = self.find_faces(frame_bgr)
        if self.model is None or not self.config.use_mask_model_faces:
            return faces
        only_faces = self.faces is not None and self.config.mask_only_where_faces
        boxes, probs = self.probabilities(frame_bgr, faces if only_faces else None)
        own = mask_detections(boxes, probs, self.config.mask_model_face_score, 0.4)
        if len(own) and len(faces):
            own = own.select(iou_matrix(own.xyxy, faces.xyxy).max(axis=1) < 0.3)
        return Detections.merge([faces, Detections(own.xyxy, own.scores, ("face",) * len(own))])

    def run_classifier(self, frame_bgr: npt.NDArray[np.uint8], attributes: FaceAttributes) -> Detections:
        """Every candidate face classified by the crop classifier. With ``drop_background``, crops it calls
        background are dropped; else they take the mask / no-mask call their probabilities make. A no-mask
        call on a weakly found face stays ``face`` (``no_mask_min_face_score``).

        The score of a call is the no-mask share's distance past the card's threshold, mapped so that the
        threshold is 0.5 and certainty 1 (the rules' ``min_score`` of 0.5 then means "as the card decided").
        """
        faces = self.candidate_faces(frame_bgr)
        if not len(faces):
            return Detections.empty()
        probs = attributes.probabilities(frame_bgr, faces.xyxy)
        decided = attributes.decide(probs, background=self.config.drop_background)
        index = {label: k for k, label in enumerate(attributes.card.labels)}
        threshold = attributes.card.thresholds.get(NO_MASK, 0.5)
        keep: list[int] = []
        labels: list[str] = []
        scores: list[float] = []
        for i, label in enumerate(decided):
            if label == BACKGROUND:
                continue
            keep.append(i)
            if label == NO_MASK and faces.scores[i] < self.config.no_mask_min_face_score:
                labels.append("face")
                scores.append(float(faces.scores[i]))
                continue
            row = probs[i]
            share = float(row[index[NO_MASK]] / max(float(row[index[MASK]] + row[index[NO_MASK]]), 1e-9))
            if label == NO_MASK:
                score = 0.5 + 0.5 * (share - threshold) / max(1 - threshold, 1e-9)
            else:
                score = 0.5 + 0.5 * (threshold - share) / max(threshold, 1e-9)
            labels.append(MASK_LABELS[1] if label == NO_MASK else MASK_LABELS[0])
            scores.append(min(max(score, 0.5), 1.0))
        return Detections(
            faces.xyxy[keep].astype(np.float32).reshape(-1, 4), np.asarray(scores, np.float32), tuple(labels)
        )
