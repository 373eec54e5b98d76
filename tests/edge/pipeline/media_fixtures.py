"""Test videos made from the real face photos in ../shared/datasets/mask-wearing-train, upscaled."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

REPO_ROOT = Path(__file__).resolve().parents[3]
DATASET = REPO_ROOT / ".." / "shared" / "datasets" / "mask-wearing-train"


def dataset_images(n: int, want_class: int = 1) -> list[Path]:
    """``n`` dataset images that hold at least one box of ``want_class`` (1: no-mask), in a stable order."""
    picked = []
    for label in sorted((DATASET / "labels").glob("*.txt")):
        classes = {line.split()[0] for line in label.read_text().splitlines() if line.strip()}
        image = DATASET / "images" / (label.stem + ".jpg")
        if str(want_class) in classes and image.is_file():
            picked.append(image)
        if len(picked) == n:
            break
    if len(picked) < n:
        raise FileNotFoundError(f"fewer than {n} usable images in {DATASET}")
    return picked


def letterbox(path: Path, width: int, height: int) -> npt.NDArray[np.uint8]:
    """The photo upscaled to the frame height, centred on a grey frame."""
    img = cv2.imread(str(path))
    side = height
    big = cv2.resize(img, (side, side), interpolation=cv2.INTER_CUBIC)
    frame = np.full((height, width, 3), 96, np.uint8)
    x0 = (width - side) // 2
    frame[:, x0 : x0 + side] = big
    return frame


def make_video(
    out: Path, width: int = 640, height: int = 360, fps: int = 10, seconds_per_image: float = 1.0, images: int = 6
) -> Path:
    """An H.264 MP4 slideshow of dataset photos, key frame every second."""
    frames = [letterbox(p, width, height) for p in dataset_images(images)]
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "veryfast", "g": str(fps), "keyint_min": str(fps), "sc_threshold": "0"}
        stream.codec_context.time_base = Fraction(1, fps)
        pts = 0
        for img in frames:
            for _ in range(round(fps * seconds_per_image)):
                vf = av.VideoFrame.from_ndarray(img, format="bgr24")
                vf.pts = pts
                pts += 1
                container.mux(stream.encode(vf))
        container.mux(stream.encode(None))
    return out
