"""Open flame in the stove zone by colour and flicker (classical; ACCURACY UNMEASURED): label ``flame``.

No pretrained flame model with a usable licence could be had, so this is the textbook two-cue method:

1. colour: a pixel is flame-coloured when, in YCrCb, Y > Cb, Cr > Cb, |Cr - Cb| >= ``chroma_gap`` and
   Y, Cr are above / Cb below the frame's means (Celik & Demirel 2009), and in RGB it is bright and
   red-dominant, R > ``red_min`` and R >= G > B (Chen et al. 2004);
2. flicker: flames change shape several times a second, a lit lamp or an orange apron does not. Over
   the last ``window`` frames each pixel's colour mask is kept; a blob counts only when its pixels
   switched on/off often enough (mean transitions per pixel per frame >= ``flicker_min``).

It needs a stream (``window`` frames before the first box) and one instance per camera. Use it only
inside the stove zone (``zone``), feeding the stove_unattended rule. It has never been measured on
labelled data: treat its output as unmeasured until such data exists.
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.edge.detect.base import Detections, SingleModel


class FlameConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    zone: list[tuple[float, float]] | None = None  # stove zone polygon, relative (x, y); None = whole frame
    red_min: int = Field(190, ge=0, le=255)
    chroma_gap: int = Field(40, ge=0, le=255)
    window: int = Field(10, ge=3)  # frames of history for flicker (about 1-2 s at typical analysis rates)
    flicker_min: float = Field(0.05, ge=0, le=1)
    min_area: float = Field(0.0005, ge=0, le=1)  # blob share of the frame
    process_width: int = Field(320, ge=32)


def flame_colour(frame_bgr: npt.NDArray[np.uint8], red_min: int, chroma_gap: int) -> npt.NDArray[np.bool_]:
    """The per-pixel colour rule (no history)."""
    ycc = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2YCrCb).astype(np.int16)
    y, cr, cb = ycc[..., 0], ycc[..., 1], ycc[..., 2]
    b, g, r = (frame_bgr[..., i].astype(np.int16) for i in range(3))
    ycc_rule = (y > cb) & (cr > cb) & (np.abs(cr - cb) >= chroma_gap)
    ycc_rule &= (y >= y.mean()) & (cr >= cr.mean()) & (cb <= cb.mean())
    rgb_rule = (r > red_min) & (r >= g) & (g > b)
    return np.asarray(ycc_rule & rgb_rule, dtype=np.bool_)


class FlameDetector(SingleModel):
    def __init__(self, config: FlameConfig) -> None:
        self.config = config
        self.name = "flame-colour-flicker"
        self.version = "1"
        self._history: deque[npt.NDArray[np.bool_]] = deque(maxlen=config.window)
        self._zone_mask: npt.NDArray[np.bool_] | None = None

    def _zone(self, shape: tuple[int, int]) -> npt.NDArray[np.bool_]:
        if self._zone_mask is None or self._zone_mask.shape != shape:
            if self.config.zone is None:
                self._zone_mask = np.ones(shape, np.bool_)
            else:
                h, w = shape
                pts = np.array([[x * w, y * h] for x, y in self.config.zone], np.int32)
                mask = np.zeros(shape, np.uint8)
                cv2.fillPoly(mask, [pts], 1)
                self._zone_mask = mask.astype(np.bool_)
        return self._zone_mask

    def detect(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        h, w = frame_bgr.shape[:2]
        scale = min(1.0, self.config.process_width / w)
        small = np.asarray(
            cv2.resize(frame_bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA), np.uint8
        )
        colour = flame_colour(small, self.config.red_min, self.config.chroma_gap) & self._zone(small.shape[:2])
        self._history.append(colour)
        if len(self._history) < self.config.window:
            return Detections.empty()
        stack = np.stack(self._history).astype(np.int8)
        flicker = np.abs(np.diff(stack, axis=0)).sum(axis=0) / (len(stack) - 1)
        # a blob is where the colour shows now or was seen in a good share of the window
        seen = (stack.mean(axis=0) >= 0.3) | colour
        blobs = cv2.morphologyEx(seen.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
        total = float(blobs.size)
        boxes: list[list[float]] = []
        scores: list[float] = []
        for i in range(1, count):
            x, y, bw, bh, area = stats[i]
            if area / total < self.config.min_area:
                continue
            blob_flicker = float(flicker[labels == i].mean())
            if blob_flicker < self.config.flicker_min:
                continue
            boxes.append([x / scale, y / scale, (x + bw) / scale, (y + bh) / scale])
            scores.append(min(1.0, blob_flicker / (4 * self.config.flicker_min)))
        return Detections.from_lists(boxes, scores, ["flame"] * len(boxes))
