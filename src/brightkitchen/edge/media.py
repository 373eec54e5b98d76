"""Evidence files: the JPEG snapshot and an H.264 MP4 clip, written atomically and hashed.

The snapshot is the analysed frame as the camera saw it: nothing is drawn on it. The boxes travel as data in
the event and the platform's pages draw them, so the evidence stays the original picture.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


def resized(image: Image, width: int, height: int) -> Image:
    return np.asarray(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA), dtype=np.uint8)


def fit_width(image: Image, max_width: int) -> Image:
    h, w = image.shape[:2]
    return image if w <= max_width else resized(image, max_width, max(2, round(h * max_width / w)))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _publish(tmp: Path, final: Path) -> None:
    """fsync then rename: after a crash a file is either whole or absent (only ``*.tmp`` can be torn)."""
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    dir_fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_jpeg(path: Path, image: Image, quality: int = 85) -> None:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise OSError(f"JPEG encoding failed for {path.name}")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buf.tobytes())
    _publish(tmp, path)


def write_mp4(
    path: Path, frames: Sequence[tuple[float, Image]], fps: float, crf: int = 28, preset: str = "veryfast"
) -> None:
    """H.264 yuv420p MP4 with the index up front (faststart), so a browser plays it while it downloads.

    ``frames`` are (wall time, BGR image); their times become the presentation times, so gaps show as gaps.
    """
    if not frames:
        raise ValueError("a clip needs at least one frame")
    h0, w0 = frames[0][1].shape[:2]
    w, h = w0 - w0 % 2, h0 - h0 % 2
    tmp = path.with_name(path.name + ".tmp")
    with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.time_base = Fraction(1, 1000)
        # The encoder must count in milliseconds too: in 1/fps units two frames closer than one frame
        # period (jitter under load) would get the same timestamp and the muxer refuses the clip.
        stream.codec_context.time_base = Fraction(1, 1000)
        stream.options = {"crf": str(crf), "preset": preset}
        t0, last = frames[0][0], -1
        for t, img in frames:
            if img.shape[:2] != (h0, w0):
                img = resized(img, w0, h0)
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(img[:h, :w]), format="bgr24")
            last = max(round((t - t0) * 1000), last + 1)
            vf.pts, vf.time_base = last, Fraction(1, 1000)
            out.mux(stream.encode(vf))
        out.mux(stream.encode(None))
    _publish(tmp, path)
