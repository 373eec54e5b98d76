"""Ultra-Light-Fast face detector, masked-face v2 (RFB 640x480) through onnxruntime.

Classes background / face / masked_face map to -, ``face_no_mask``, ``face_mask``. The graph
already decodes boxes to relative corners, so only thresholding and NMS are left.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.edge.detect.base import Detections, SingleModel
from brightkitchen.edge.detect.files import model_file, ort_session
from brightkitchen.edge.detect.masks import mask_detections
from brightkitchen.edge.geometry import clip


class UlfdConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    folder: str = "ulfd"
    file: str = "RFB-640-masked_face-v2.onnx"
    version: str = "masked_face-v2"
    input_width: int = 640
    input_height: int = 480
    score_threshold: float = Field(0.5, ge=0, le=1)
    nms_iou: float = Field(0.3, ge=0, le=1)
    num_threads: int = Field(1, ge=0)  # onnxruntime intra-op threads; 0 = onnxruntime decides


class UlfdMaskDetector(SingleModel):
    def __init__(self, config: UlfdConfig, session: ort.InferenceSession) -> None:
        self.config = config
        self.name = "ulfd-masked-face"
        self.version = config.version
        self._session = session
        self._input = session.get_inputs()[0].name

    @classmethod
    def load(cls, config: UlfdConfig, models_dir: Path) -> UlfdMaskDetector:
        return cls(config, ort_session(model_file(models_dir, config.folder, config.file), config.num_threads))

    def probabilities(
        self, frame_bgr: npt.NDArray[np.uint8]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Every prior: pixel corner boxes (N, 4) and probabilities (N, 2) of (mask, no mask)."""
        h, w = frame_bgr.shape[:2]
        size = (self.config.input_width, self.config.input_height)
        rgb = cv2.cvtColor(cv2.resize(frame_bgr, size), cv2.COLOR_BGR2RGB).astype(np.float32)
        blob = ((rgb - 127.0) / 128.0).transpose(2, 0, 1)[None]
        scores, boxes = self._session.run(["scores", "boxes"], {self._input: blob})
        pixel = clip(boxes.reshape(-1, 4) * np.array([w, h, w, h], np.float32), w, h)
        # model classes: 0 background, 1 face, 2 masked_face
        return pixel, scores.reshape(-1, 3)[:, [2, 1]].astype(np.float32)

    def decide(self, boxes: npt.NDArray[np.float32], probs: npt.NDArray[np.float32]) -> Detections:
        return mask_detections(boxes, probs, self.config.score_threshold, self.config.nms_iou)

    def detect(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        return self.decide(*self.probabilities(frame_bgr))
