"""Evidence for the end-to-end tests: a real photograph with its labelled unmasked faces where the sample
photographs are present (../shared/datasets), else a plain generated JPEG; a real H.264 clip of it."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from brightkitchen.demo.media import NoSampleImages, encode_jpeg, labelled_images, write_mp4
from tests import support


@dataclass(frozen=True)
class Snapshot:
    jpeg: bytes
    width: int
    height: int
    boxes: list[dict[str, Any]]
    frame: np.ndarray


def _labelled() -> Snapshot:
    # A kitchen-like shot: one to three people, the largest face unmasked and big enough to see.
    images = [
        li for li in labelled_images() if 1 <= li.no_mask_faces + li.mask_faces <= 3 and li.largest_no_mask >= 0.15
    ]
    if not images:
        raise NoSampleImages("no photograph with an unmasked face")
    pick = max(images, key=lambda li: (li.largest_no_mask, li.path.name))
    frame = cv2.imread(str(pick.path), cv2.IMREAD_COLOR)
    if frame is None:
        raise NoSampleImages(f"unreadable {pick.path.name}")
    frame = frame[: frame.shape[0] // 2 * 2, : frame.shape[1] // 2 * 2]
    height, width = frame.shape[:2]
    boxes = []
    label_file = pick.path.parent.parent / "labels" / f"{pick.path.stem}.txt"
    for line in label_file.read_text().splitlines():
        parts = line.split()
        if len(parts) != 5 or parts[0] != "1":
            continue
        cx, cy, bw, bh = (float(v) for v in parts[1:])
        boxes.append(
            {
                "label": "no_mask",
                "score": 0.92,
                "x1": round((cx - bw / 2) * width, 1),
                "y1": round((cy - bh / 2) * height, 1),
                "x2": round((cx + bw / 2) * width, 1),
                "y2": round((cy + bh / 2) * height, 1),
            }
        )
    return Snapshot(encode_jpeg(frame), width, height, boxes, frame)


@cache
def snapshot() -> Snapshot:
    try:
        return _labelled()
    except NoSampleImages:
        frame = support.image(640, 480)
        box = {"label": "no_mask", "score": 0.9, "x1": 220.0, "y1": 120.0, "x2": 380.0, "y2": 300.0}
        return Snapshot(support.jpeg_bytes(640, 480), 640, 480, [box], frame)


@cache
def clip() -> bytes:
    frame = snapshot().frame
    with tempfile.TemporaryDirectory() as tmp:
        path = write_mp4([frame] * 10, Path(tmp) / "clip.mp4", fps=5)
        return path.read_bytes()


def photo_file(folder: Path) -> Path:
    """A rectification photo on disk, for the browser's file input."""
    path = folder / "rectified.jpg"
    path.write_bytes(support.jpeg_bytes(640, 480))
    return path
