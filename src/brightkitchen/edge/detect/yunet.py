"""YuNet faces through cv2.FaceDetectorYN: label ``face`` (no mask decision; see the mask detectors)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.edge.detect.base import Detections, SingleModel
from brightkitchen.edge.detect.files import model_file
from brightkitchen.edge.geometry import clip


class YuNetConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    folder: str = "yunet"
    file: str = "yunet_s_640_640.onnx"  # the only YuNet file OpenCV 4.x loads (fixed 640x640 export)
    version: str = "s_640_640"
    score_threshold: float = Field(0.6, ge=0, le=1)
    nms_iou: float = Field(0.3, ge=0, le=1)
    top_k: int = Field(5000, ge=1)
    # Faces are found on a frame no wider than this: 640x360 costs a quarter of 720p and kitchen faces
    # stay well above YuNet's ~10 px minimum. 0 keeps the full frame.
    max_width: int = Field(640, ge=0)


class YuNetDetector(SingleModel):
    def __init__(self, config: YuNetConfig, detector: cv2.FaceDetectorYN) -> None:
        self.config = config
        self.name = "yunet"
        self.version = config.version
        self._detector = detector
        self._size: tuple[int, int] = (0, 0)

    @classmethod
    def load(cls, config: YuNetConfig, models_dir: Path) -> YuNetDetector:
        path = model_file(models_dir, config.folder, config.file)
        detector = cv2.FaceDetectorYN.create(
            str(path), "", (640, 640), config.score_threshold, config.nms_iou, config.top_k
        )
        return cls(config, detector)

    def detect(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        full_h, full_w = frame_bgr.shape[:2]
        scale = 1.0
        if self.config.max_width and full_w > self.config.max_width:
            scale = self.config.max_width / full_w
            size = (self.config.max_width, max(1, round(full_h * scale)))
            frame_bgr = cv2.resize(frame_bgr, size, interpolation=cv2.INTER_AREA)  # type: ignore[assignment]
        h, w = frame_bgr.shape[:2]
        if (w, h) != self._size:  # the input size is state of the cv2 object: set only on change
            self._detector.setInputSize((w, h))
            self._size = (w, h)
        _, faces = self._detector.detect(frame_bgr)
        if faces is None or not len(faces):
            return Detections.empty()
        # rows: x, y, w, h, five landmarks (x, y), score
        xywh = faces[:, :4].astype(np.float32)
        corners = np.column_stack([xywh[:, :2], xywh[:, :2] + xywh[:, 2:4]]) / scale
        boxes = clip(corners.astype(np.float32), full_w, full_h)
        return Detections(boxes, faces[:, -1].astype(np.float32), ("face",) * len(faces))
