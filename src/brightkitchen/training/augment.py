"""Images held in memory at the network's input size, and the light augmentation of training batches.

Every image is letterboxed once, exactly as the edge does it (``onnx_yolo.letterbox``: grey 114 padding), so
training, validation and the shipped model see the same pixels. Training batches add a horizontal flip, a
scale-and-shift jitter (0.6x to 1.4x) and a colour jitter on hue, saturation and brightness; no vertical flip,
since flames and smoke rise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from brightkitchen.edge.detect.onnx_yolo import letterbox
from brightkitchen.training.yolo_data import DatasetError, Sample

Image = npt.NDArray[np.uint8]
Boxes = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Jitter:
    scale: tuple[float, float] = (0.6, 1.4)
    shift: float = 0.2  # of the input size, each way
    flip: float = 0.5
    hue: float = 0.015  # fraction of the hue circle: small, a flame's colour is what tells it
    saturation: float = 0.6
    value: float = 0.4
    min_visible: float = 0.3  # a box cut to less than this share of its area is dropped


@dataclass(frozen=True)
class Held:
    """One letterboxed image (BGR, size x size) with its boxes in input pixels (x1, y1, x2, y2) and classes."""

    image: Image
    boxes: Boxes
    classes: npt.NDArray[np.int64]


def read_bgr(path: str) -> Image:
    image = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise DatasetError(f"{path} is not a decodable image")
    return np.asarray(image, np.uint8)


def hold(samples: Sequence[Sample], size: int) -> list[Held]:
    """Each sample decoded and letterboxed to ``size``; boxes moved into input pixels."""
    held = []
    for sample in samples:
        frame = read_bgr(str(sample.image))
        h, w = frame.shape[:2]
        image, ratio, (pad_x, pad_y) = letterbox(frame, size, size)
        rel = sample.boxes
        xyxy = np.column_stack(
            [rel[:, 0] - rel[:, 2] / 2, rel[:, 1] - rel[:, 3] / 2, rel[:, 0] + rel[:, 2] / 2, rel[:, 1] + rel[:, 3] / 2]
        ).clip(0, 1)
        boxes = xyxy * np.array([w, h, w, h], np.float32) * ratio + np.array([pad_x, pad_y, pad_x, pad_y], np.float32)
        held.append(Held(image, boxes.astype(np.float32).reshape(-1, 4), sample.classes))
    return held


def to_input(images: Sequence[Image]) -> npt.NDArray[np.float32]:
    """A batch as the network takes it: (B, 3, H, W) RGB in [0, 1], as ``cv2.dnn.blobFromImage`` on the edge."""
    batch = np.stack([img[:, :, ::-1] for img in images]).astype(np.float32) / 255.0
    return np.ascontiguousarray(batch.transpose(0, 3, 1, 2))


def augment(item: Held, rng: np.random.Generator, jitter: Jitter) -> Held:
    """A randomly scaled, shifted, flipped and colour-jittered copy of ``item`` (same size)."""
    size = item.image.shape[0]
    scale = float(rng.uniform(*jitter.scale))
    dx, dy = rng.uniform(-jitter.shift, jitter.shift, 2) * size
    # scale about the centre, then shift: x' = s * (x - c) + c + d
    centre = size / 2
    matrix = np.array([[scale, 0, (1 - scale) * centre + dx], [0, scale, (1 - scale) * centre + dy]], np.float32)
    image: Image = np.asarray(
        cv2.warpAffine(item.image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderValue=(114, 114, 114)), np.uint8
    )
    boxes = item.boxes * scale + np.array([matrix[0, 2], matrix[1, 2], matrix[0, 2], matrix[1, 2]], np.float32)
    boxes, classes = _clip_boxes(boxes, item.classes, size, jitter.min_visible)
    if rng.random() < jitter.flip:
        image = np.ascontiguousarray(image[:, ::-1], dtype=np.uint8)
        boxes = np.column_stack([size - boxes[:, 2], boxes[:, 1], size - boxes[:, 0], boxes[:, 3]]).astype(np.float32)
    image = _hsv_jitter(image, rng, jitter)
    return Held(image, boxes.reshape(-1, 4).astype(np.float32), classes)


def _clip_boxes(
    boxes: Boxes, classes: npt.NDArray[np.int64], size: int, min_visible: float
) -> tuple[Boxes, npt.NDArray[np.int64]]:
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    clipped = boxes.clip(0, size)
    kept_area = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
    keep = (kept_area >= min_visible * np.maximum(area, 1e-6)) & (clipped[:, 2] - clipped[:, 0] >= 2)
    keep &= clipped[:, 3] - clipped[:, 1] >= 2
    return clipped[keep], classes[keep]


def _hsv_jitter(image: Image, rng: np.random.Generator, jitter: Jitter) -> Image:
    gains = rng.uniform(-1, 1, 3) * np.array([jitter.hue, jitter.saturation, jitter.value]) + 1
    hue, sat, val = cv2.split(cv2.cvtColor(image, cv2.COLOR_BGR2HSV))
    x = np.arange(256, dtype=np.float32)
    lut_hue = ((x * gains[0]) % 180).astype(np.uint8)  # OpenCV hue is 0..179
    lut_sat = np.clip(x * gains[1], 0, 255).astype(np.uint8)
    lut_val = np.clip(x * gains[2], 0, 255).astype(np.uint8)
    hsv = cv2.merge((cv2.LUT(hue, lut_hue), cv2.LUT(sat, lut_sat), cv2.LUT(val, lut_val)))
    return np.asarray(cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR), np.uint8)
