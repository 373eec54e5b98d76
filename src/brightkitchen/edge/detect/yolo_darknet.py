"""Yolo-Fastest 1.1 (Darknet cfg + weights) through cv2.dnn: people and phones.

The coco model gives ``person`` (COCO 0) and ``cell_phone`` (COCO 67); the body model gives
``person`` only. Other COCO classes are ignored unless the config maps them to a label.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.edge.detect.base import Detections, SingleModel
from brightkitchen.edge.detect.files import cpu_net, model_file
from brightkitchen.edge.geometry import clip, cxcywh_to_xyxy, nms


class YoloDarknetConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    folder: str = "yolo-fastest-coco"
    cfg: str = "yolo-fastest-1.1.cfg"
    weights: str = "yolo-fastest-1.1.weights"
    version: str = "1.1"
    input_size: int = Field(320, ge=32, multiple_of=32)
    # class index in the model's names file -> our label
    classes: dict[int, str] = Field(default_factory=lambda: {0: "person", 67: "cell_phone"})
    score_threshold: float = Field(0.3, ge=0, le=1)
    # phones are small and scored low by this tiny model; a lower bar per label where needed
    label_thresholds: dict[str, float] = Field(default_factory=lambda: {"cell_phone": 0.2})
    nms_iou: float = Field(0.45, ge=0, le=1)

    @classmethod
    def body(cls) -> YoloDarknetConfig:
        """The person-only variant (yolo-fastest-1.1_body)."""
        return cls(
            folder="yolo-fastest-body",
            cfg="yolo-fastest-1.1_body.cfg",
            weights="yolo-fastest-1.1_body.weights",
            classes={0: "person"},
            label_thresholds={},
        )


class YoloDarknetDetector(SingleModel):
    def __init__(self, config: YoloDarknetConfig, net: cv2.dnn.Net) -> None:
        self.config = config
        self.name = config.folder
        self.version = config.version
        self._net = net
        self._outputs = list(net.getUnconnectedOutLayersNames())

    @classmethod
    def load(cls, config: YoloDarknetConfig, models_dir: Path) -> YoloDarknetDetector:
        cfg = model_file(models_dir, config.folder, config.cfg)
        weights = model_file(models_dir, config.folder, config.weights)
        return cls(config, cpu_net(cv2.dnn.readNetFromDarknet(str(cfg), str(weights))))

    def detect(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        h, w = frame_bgr.shape[:2]
        size = self.config.input_size
        # Darknet trains on a plain stretch (no letterbox), RGB, 0..1
        blob = cv2.dnn.blobFromImage(frame_bgr, 1 / 255.0, (size, size), swapRB=True, crop=False)
        self._net.setInput(blob)
        rows = np.concatenate([o.reshape(-1, o.shape[-1]) for o in self._net.forward(self._outputs)])
        return decode_darknet_rows(rows, w, h, self.config)


def decode_darknet_rows(
    rows: npt.NDArray[np.float32], width: int, height: int, config: YoloDarknetConfig
) -> Detections:
    """Rows of cv2's Region layer: cx, cy, w, h (relative), objectness, class scores (already x objectness)."""
    boxes_all: list[npt.NDArray[np.float32]] = []
    scores_all: list[npt.NDArray[np.float32]] = []
    labels: list[str] = []
    scale = np.array([width, height, width, height], np.float32)
    for index, label in config.classes.items():
        if 5 + index >= rows.shape[1]:
            continue
        scores = rows[:, 5 + index]
        keep = scores >= config.label_thresholds.get(label, config.score_threshold)
        if not keep.any():
            continue
        boxes = clip(cxcywh_to_xyxy(rows[keep, :4] * scale), width, height)
        picked = nms(boxes, scores[keep], config.nms_iou)
        boxes_all.append(boxes[picked])
        scores_all.append(scores[keep][picked])
        labels += [label] * len(picked)
    if not labels:
        return Detections.empty()
    return Detections(np.concatenate(boxes_all), np.concatenate(scores_all).astype(np.float32), tuple(labels))
