"""Sample footage and evidence pictures built from real labelled photographs of people.

The photographs come from the mask-wearing dataset beside the project (``../shared/datasets``) or from a
folder named by ``BRIGHTKITCHEN_SAMPLES``. Nothing here draws shapes and calls them people: without real
photographs these functions raise ``NoSampleImages`` (the demo then falls back to ``synthetic``, which says
what it is).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

from brightkitchen.demo.locate import shared_roots

Frame = npt.NDArray[np.uint8]
DATASET = Path("datasets") / "mask-wearing-train"
PHOTO_NAME = "kitchen.mp4"  # footage made from the labelled photographs
GENERATED_NAME = "generated.mp4"  # drawn footage, when no photographs are found


class NoSampleImages(RuntimeError):
    pass


@dataclass(frozen=True)
class LabelledImage:
    path: Path
    no_mask_faces: int
    mask_faces: int
    largest_no_mask: float  # relative width of the largest unmasked face (0 if none)
    largest_mask: float  # relative width of the largest masked face (0 if none)


def samples_dir() -> Path:
    """Where the labelled photographs are: BRIGHTKITCHEN_SAMPLES, else the shared folder (``locate``)."""
    env = os.environ.get("BRIGHTKITCHEN_SAMPLES")
    candidates = [Path(env)] if env else []
    candidates += [root / DATASET for root in shared_roots()]
    for cand in candidates:
        if (cand / "images").is_dir():
            return cand.resolve()
    raise NoSampleImages(
        "no labelled sample photographs found: set BRIGHTKITCHEN_SAMPLES to a folder with images/ and labels/"
    )


def labelled_images(folder: Path | None = None) -> list[LabelledImage]:
    folder = folder or samples_dir()
    out = []
    for img in sorted((folder / "images").glob("*.jpg")):
        label_file = folder / "labels" / (img.stem + ".txt")
        rows = (
            [line.split() for line in label_file.read_text().splitlines() if line.strip()]
            if label_file.exists()
            else []
        )
        no_mask = [float(r[3]) for r in rows if r[0] == "1"]
        mask = [float(r[3]) for r in rows if r[0] == "0"]
        out.append(LabelledImage(img, len(no_mask), len(mask), max(no_mask, default=0.0), max(mask, default=0.0)))
    if not out:
        raise NoSampleImages(f"no images in {folder}")
    return out


def scene_images(no_mask: bool, count: int, folder: Path | None = None) -> list[Path]:
    """Photos with big, clearly labelled faces: all unmasked (no_mask=True) or all masked."""
    # Unmasked scenes: the photos whose biggest face is unmasked; masked scenes: masked faces only.
    images = labelled_images(folder)
    if no_mask:
        pool = [li for li in images if li.largest_no_mask >= 0.15 and li.largest_no_mask >= li.largest_mask]
        pool.sort(key=lambda li: -li.largest_no_mask)
    else:
        pool = [li for li in images if li.no_mask_faces == 0 and li.largest_mask >= 0.3]
        pool.sort(key=lambda li: -li.largest_mask)
    if not pool:
        raise NoSampleImages("no suitable labelled photographs")
    return [pool[i % len(pool)].path for i in range(count)]


def compose_frame(photos: list[Path], size: tuple[int, int] = (1280, 720)) -> Frame:
    """Places the photos side by side, upscaled, on a plain kitchen-grey background."""
    width, height = size
    frame = np.full((height, width, 3), (170, 175, 180), np.uint8)
    tile = min(width // max(len(photos), 1), height)
    x = (width - tile * len(photos)) // 2
    y = (height - tile) // 2
    for path in photos:
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            raise NoSampleImages(f"unreadable sample image {path.name}")
        frame[y : y + tile, x : x + tile] = cv2.resize(img, (tile, tile), interpolation=cv2.INTER_CUBIC)
        x += tile
    return frame


def encode_jpeg(frame: Frame, quality: int = 85) -> bytes:
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


def write_mp4(frames: Iterator[Frame] | list[Frame], path: Path, fps: int = 10, gop: int | None = None) -> Path:
    """H.264 yuv420p MP4 through PyAV (FFmpeg)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = None
        for frame in frames:
            if stream is None:
                stream = container.add_stream("libx264", rate=fps)
                stream.width, stream.height = frame.shape[1], frame.shape[0]
                stream.pix_fmt = "yuv420p"
                stream.codec_context.time_base = Fraction(1, fps)
                stream.options = {"preset": "veryfast", "g": str(gop or fps), "tune": "zerolatency"}
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
                container.mux(packet)
        if stream is not None:
            for packet in stream.encode(None):
                container.mux(packet)
    return path


def sample_video(path: Path, seconds: int = 60, fps: int = 10, size: tuple[int, int] = (1280, 720)) -> Path:
    """A kitchen-camera-like video: scenes of masked staff alternate with scenes of unmasked staff (10 s each)."""
    masked = [compose_frame(scene_images(False, 2)[i : i + 2], size) for i in range(0, 2, 2)]
    unmasked = [compose_frame(scene_images(True, 4)[i : i + 2], size) for i in range(0, 4, 2)]
    scenes = [masked[0], unmasked[0], masked[0], unmasked[1]]

    def frames() -> Iterator[Frame]:
        for i in range(seconds * fps):
            yield scenes[(i // (10 * fps)) % len(scenes)]

    return write_mp4(frames(), path, fps=fps)
