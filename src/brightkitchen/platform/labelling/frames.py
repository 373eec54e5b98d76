"""Frames to label, judged by their bytes: JPEG or PNG by content, structurally whole, of a sane size, and
decodable. Every stored frame is a JPEG (a PNG is re-encoded), so exports and the browser get one format."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import cv2
import numpy as np

from brightkitchen.platform.uploads.content import image_size, sniff, structure_problem

MAX_IMAGE_BYTES = 16 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 8K x 5K: decoding is bounded before it starts
JPEG_QUALITY = 95


class BadImage(ValueError):
    """Not a frame we can label: the message says why, in words for the person who sent it."""


@dataclass(frozen=True)
class Frame:
    jpeg: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.jpeg).hexdigest()


def checked_frame(data: bytes) -> Frame:
    """The frame as a stored JPEG with its decoded size, or ``BadImage``."""
    if len(data) > MAX_IMAGE_BYTES:
        raise BadImage(f"the image is over {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    ctype = sniff(data)
    if ctype not in ("image/jpeg", "image/png"):
        raise BadImage("the image must be a JPEG or PNG by content")
    broken = structure_problem(ctype, data)
    if broken:
        raise BadImage(broken)
    size = image_size(data)
    if size is None or size[0] * size[1] > MAX_PIXELS:
        raise BadImage(f"the image has no size or more than {MAX_PIXELS} pixels")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise BadImage("the image cannot be decoded")
    height, width = image.shape[:2]
    if ctype == "image/jpeg":
        return Frame(data, int(width), int(height))
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise BadImage("the image could not be stored as JPEG")
    return Frame(bytes(buf.tobytes()), int(width), int(height))
