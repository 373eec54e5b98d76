"""Moving blobs by background subtraction (cv2 MOG2): label ``motion``.

Feeds the night-time rules: a small blob at floor level with no person present (rodent), anything
moving outside working hours (intrusion). One instance per camera: the background model is state.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.edge.detect.base import Detections, SingleModel


class MotionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    history: int = Field(500, ge=1)
    var_threshold: float = Field(16.0, gt=0)
    detect_shadows: bool = True  # shadows are marked grey (127) and then dropped, not counted as motion
    learning_rate: float = Field(-1.0, le=1)  # -1: OpenCV's automatic rate from ``history``
    warmup_frames: int = Field(10, ge=0)  # no boxes until the background model has seen this many frames
    min_area: float = Field(0.0005, ge=0, le=1)  # blob area as a share of the frame
    max_area: float = Field(0.5, gt=0, le=1)  # bigger than this is a light change or a camera move
    process_width: int = Field(320, ge=32)  # analysed at this width: cheaper and less noisy


class MotionDetector(SingleModel):
    def __init__(self, config: MotionConfig) -> None:
        self.config = config
        self.name = "motion-mog2"
        self.version = cv2.__version__
        self._subtractor = cv2.createBackgroundSubtractorMOG2(
            history=config.history, varThreshold=config.var_threshold, detectShadows=config.detect_shadows
        )
        self._kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
        self._seen = 0

    def detect(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        h, w = frame_bgr.shape[:2]
        scale = min(1.0, self.config.process_width / w)
        small = cv2.resize(frame_bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (5, 5), 0)
        mask = self._subtractor.apply(small, learningRate=self.config.learning_rate)
        self._seen += 1
        if self._seen <= self.config.warmup_frames:
            return Detections.empty()
        mask = np.where(mask == 255, 255, 0).astype(np.uint8)  # drop shadows (127)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._kernel)
        mask = cv2.dilate(mask, self._kernel, iterations=2)
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        area_total = float(mask.shape[0] * mask.shape[1])
        boxes: list[list[float]] = []
        scores: list[float] = []
        for x, y, bw, bh, area in stats[1:count]:
            share = area / area_total
            if share < self.config.min_area or share > self.config.max_area:
                continue
            boxes.append([x / scale, y / scale, (x + bw) / scale, (y + bh) / scale])
            scores.append(float(area) / float(bw * bh))  # how solid the blob is
        return Detections.from_lists(boxes, scores, ["motion"] * len(boxes))
