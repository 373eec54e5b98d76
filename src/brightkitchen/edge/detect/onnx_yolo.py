"""Any operator-supplied YOLO-family ONNX model, run by onnxruntime, described by a small model card.

Output layouts understood:
- ``v5``: (1, N, 5 + C): cx, cy, w, h, objectness, C class scores (YOLOv5 / v7 exports);
- ``v8``: (1, 4 + C, N): cx, cy, w, h, C class scores, no objectness (YOLOv8 / v11 exports).
Boxes are in input pixels of the (letterboxed) network input and are mapped back to the frame.

The card (YAML or JSON) says what the model is::

    name: chef-hat-v1
    version: "2024-05"
    file: chef_hat.onnx          # relative to the card's folder
    layout: auto                 # auto | v5 | v8
    input_size: [640, 640]       # width, height (or one number)
    labels: [chef_hat, no_chef_hat]
    violations: {no_chef_hat: no_chef_hat}   # label -> stable violation code
    score_threshold: 0.4
    nms_iou: 0.45

Cards written by ``brightkitchen train`` add what a reviewer needs and the runtime ignores:
``description``, ``metrics`` (measured on the test split), ``training`` (command, seconds, splits)
and ``data`` (each source with its licence and attribution, kept through to the model).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort
import yaml

from brightkitchen.edge.detect.base import Detections, SingleModel
from brightkitchen.edge.detect.files import ort_session
from brightkitchen.edge.geometry import batched_nms, clip, cxcywh_to_xyxy
from brightkitchen.protocol.codes import ViolationCode
from brightkitchen.protocol.model_card import Layout, ModelCard, resolve_layout

__all__ = ["Layout", "ModelCard", "OnnxYoloDetector", "decode_yolo", "letterbox", "load_card", "resolve_layout"]


def load_card(path: Path) -> tuple[ModelCard, Path]:
    """The card and the absolute path of its model file (relative paths are from the card's folder)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))  # YAML is a superset of JSON
    card = ModelCard.model_validate(data)
    model = Path(card.file)
    return card, model if model.is_absolute() else (Path(path).parent / model)


def letterbox(
    frame_bgr: npt.NDArray[np.uint8], width: int, height: int
) -> tuple[npt.NDArray[np.uint8], float, tuple[float, float]]:
    """The frame scaled to fit, centred on grey; the scale and the (x, y) padding to undo it."""
    h, w = frame_bgr.shape[:2]
    ratio = min(width / w, height / h)
    nw, nh = round(w * ratio), round(h * ratio)
    pad_x, pad_y = (width - nw) / 2, (height - nh) / 2
    canvas = np.full((height, width, 3), 114, np.uint8)
    left, top = round(pad_x - 0.1), round(pad_y - 0.1)
    canvas[top : top + nh, left : left + nw] = cv2.resize(frame_bgr, (nw, nh), interpolation=cv2.INTER_LINEAR)
    return canvas, ratio, (float(left), float(top))


def decode_yolo(
    output: npt.NDArray[np.float32], card: ModelCard, layout: Layout
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """Boxes (input pixels, corners), scores and class ids before NMS, above the card's thresholds."""
    rows = output[0] if layout == "v5" else output[0].T
    # v5 class scores are conditional on objectness; v8 scores are final
    class_scores = rows[:, 5:] * rows[:, 4:5] if layout == "v5" else rows[:, 4:]
    class_ids = class_scores.argmax(axis=1)
    scores = class_scores[np.arange(len(rows)), class_ids]
    thresholds = np.array([card.label_thresholds.get(lab, card.score_threshold) for lab in card.labels], np.float32)
    keep = scores >= thresholds[class_ids]
    return cxcywh_to_xyxy(rows[keep, :4]), scores[keep].astype(np.float32), class_ids[keep].astype(np.int64)


class OnnxYoloDetector(SingleModel):
    def __init__(self, card: ModelCard, session: ort.InferenceSession) -> None:
        self.card = card
        self.name = card.name
        self.version = card.version
        self._session = session
        self._input = session.get_inputs()[0].name
        self._layout: Layout | None = None

    @classmethod
    def load(cls, card_path: Path) -> OnnxYoloDetector:
        card, model = load_card(card_path)
        if not model.is_file():
            raise FileNotFoundError(f"model file {card.file} named by card {Path(card_path).name} is missing")
        return cls(card, ort_session(model, card.num_threads))

    @property
    def label_codes(self) -> Mapping[str, ViolationCode]:
        return self.card.violations  # the card says which of its labels raise which violation

    def detect(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        h, w = frame_bgr.shape[:2]
        width, height = self.card.input_size
        if self.card.letterbox:
            image, ratio, (pad_x, pad_y) = letterbox(frame_bgr, width, height)
            ratio_x = ratio_y = ratio
        else:
            image = np.asarray(cv2.resize(frame_bgr, (width, height)), np.uint8)
            ratio_x, ratio_y, pad_x, pad_y = width / w, height / h, 0.0, 0.0
        blob = cv2.dnn.blobFromImage(image, 1 / 255.0, (width, height), swapRB=self.card.rgb)
        output = np.asarray(self._session.run(None, {self._input: blob})[0], np.float32)
        if self._layout is None:  # fixed for the model: work it out once
            self._layout = resolve_layout(output.shape, len(self.card.labels), self.card.layout)
        boxes, scores, class_ids = decode_yolo(output, self.card, self._layout)
        if not len(boxes):
            return Detections.empty()
        unpadded = boxes - np.array([pad_x, pad_y, pad_x, pad_y], np.float32)
        scale = np.array([ratio_x, ratio_y, ratio_x, ratio_y], np.float32)
        boxes = clip(np.divide(unpadded, scale, dtype=np.float32), w, h)
        picked = batched_nms(boxes, scores, class_ids, self.card.nms_iou)
        return Detections(boxes[picked], scores[picked], tuple(self.card.labels[class_ids[i]] for i in picked))
