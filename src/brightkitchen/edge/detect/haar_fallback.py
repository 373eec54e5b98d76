"""Faces from the Haar cascades shipped inside the opencv wheel: the stop-gap when no model pack is installed.

It finds frontal faces only (label ``face``) and cannot tell masks apart, so the stack that uses it
says so loudly (a log warning and a ``fallback`` field in every result). Install the model pack.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.edge.detect.base import Detections, SingleModel

log = logging.getLogger(__name__)

FALLBACK_NOTICE = (
    "no model pack installed: using the Haar face cascade fallback (faces only, no mask, person or phone "
    "detection); run `brightkitchen models install`"
)


class HaarConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # alt2 put 27 of its 32 boxes on labelled faces of mask-wearing-train (every 3rd image), the
    # default cascade 53 of 107: fewer, surer faces suit a stop-gap
    cascade: str = "haarcascade_frontalface_alt2.xml"
    scale_factor: float = Field(1.1, gt=1)
    min_neighbors: int = Field(5, ge=0)
    min_size: int = Field(24, ge=1)
    upscale_below: int = Field(512, ge=0)  # small frames are upscaled first, as for YuNet
    downscale_above: int = Field(640, ge=0)  # and big ones shrunk: a cascade costs ~1 s a 720p frame


class HaarFaceDetector(SingleModel):
    def __init__(self, config: HaarConfig, cascade: cv2.CascadeClassifier) -> None:
        self.config = config
        self.name = "haar-fallback"
        self.version = cv2.__version__
        self._cascade = cascade

    @classmethod
    def load(cls, config: HaarConfig) -> HaarFaceDetector:
        path = Path(cv2.data.haarcascades) / config.cascade  # type: ignore[attr-defined]
        cascade = cv2.CascadeClassifier(str(path))
        if cascade.empty():
            raise FileNotFoundError(f"the opencv wheel has no Haar cascade {config.cascade}")
        log.warning(FALLBACK_NOTICE)
        return cls(config, cascade)

    def detect(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        h, w = frame_bgr.shape[:2]
        below, above = self.config.upscale_below, self.config.downscale_above
        scale = 1.0
        if below and max(h, w) < below:
            scale = float(-(-below // max(h, w)))
        elif above and max(h, w) > above:
            scale = above / max(h, w)
        gray = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
        if scale != 1.0:
            size = (round(w * scale), round(h * scale))
            gray = cv2.resize(gray, size, interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
        gray = cv2.equalizeHist(gray)
        found, _, weights = self._cascade.detectMultiScale3(
            gray,
            scaleFactor=self.config.scale_factor,
            minNeighbors=self.config.min_neighbors,
            minSize=(self.config.min_size, self.config.min_size),
            outputRejectLevels=True,
        )
        if not len(found):
            return Detections.empty()
        xywh = np.asarray(found, np.float32).reshape(-1, 4) / scale
        boxes = np.column_stack([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]]).astype(np.float32)
        # level weights are unbounded margins; squash them into 0..1 so they read as scores
        scores = (1 / (1 + np.exp(-np.asarray(weights, np.float32).reshape(-1)))).astype(np.float32)
        return Detections(boxes, scores, ("face",) * len(boxes))
