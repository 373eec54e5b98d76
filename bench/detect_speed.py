"""Milliseconds per frame of each detector, against a baseline measured in the same run.

Baseline: a plain cv2.resize to 320x320 plus cv2.dnn.blobFromImage of the same frame (the least any
detector here does). The frame is real: dataset photos tiled into a 1280x720 canvas (3 rows of 4, each
upscaled to 320x240), the resolution edge servers typically analyse. One thread (cv2 and onnxruntime);
the cases take turns in each round so that load from elsewhere on the machine hits them all alike.

    python bench/detect_speed.py [--dataset DIR] [--models DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from brightkitchen.edge.detect.facemask_aizoo import AizooConfig, AizooMaskDetector
from brightkitchen.edge.detect.facemask_ulfd import UlfdConfig, UlfdMaskDetector
from brightkitchen.edge.detect.flame import FlameConfig, FlameDetector
from brightkitchen.edge.detect.haar_fallback import HaarConfig, HaarFaceDetector
from brightkitchen.edge.detect.mask_check import MaskCheck, MaskCheckConfig
from brightkitchen.edge.detect.motion import MotionConfig, MotionDetector
from brightkitchen.edge.detect.pipeline import DetectorStack, StackConfig
from brightkitchen.edge.detect.yolo_darknet import YoloDarknetConfig, YoloDarknetDetector
from brightkitchen.edge.detect.yunet import YuNetConfig, YuNetDetector

ROOT = Path(__file__).resolve().parents[1]
Frame = npt.NDArray[np.uint8]


def tiled_frame(images: list[Path], cols: int = 4, rows: int = 3, tile: tuple[int, int] = (320, 240)) -> Frame:
    picks = [cv2.imread(str(p)) for p in images[: cols * rows]]
    cells = [cv2.resize(im, tile, interpolation=cv2.INTER_CUBIC) for im in picks if im is not None]
    if len(cells) < cols * rows:
        raise SystemExit("not enough readable dataset images to build the frame")
    return np.vstack([np.hstack(cells[r * cols : (r + 1) * cols]) for r in range(rows)]).astype(np.uint8)


def time_all(cases: dict[str, Callable[[Frame], object]], frame: Frame, runs: int) -> dict[str, float]:
    """Median ms per case. Cases take turns within each round, so a busy machine slows all alike."""
    for fn in cases.values():
        for _ in range(3):  # warm-up: first calls allocate
            fn(frame)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, fn in cases.items():
            start = time.perf_counter()
            fn(frame)
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=ROOT / ".." / "shared" / "datasets" / "mask-wearing-train")
    parser.add_argument("--models", type=Path, default=ROOT / ".." / "shared" / "models")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    cv2.setNumThreads(1)

    frame = tiled_frame(sorted((args.dataset / "images").glob("*.jpg"))[::26])
    m = args.models
    yunet = YuNetDetector.load(YuNetConfig(), m)
    aizoo = AizooMaskDetector.load(AizooConfig(), m)
    ulfd = UlfdMaskDetector.load(UlfdConfig(), m)
    motion, flame = MotionDetector(MotionConfig()), FlameDetector(FlameConfig())

    def baseline(f: Frame) -> object:
        return cv2.dnn.blobFromImage(cv2.resize(f, (320, 320)), 1 / 255.0, (320, 320), swapRB=True)

    cases: dict[str, Callable[[Frame], object]] = {
        "baseline resize+blob": baseline,
        "yolo-fastest-coco": YoloDarknetDetector.load(YoloDarknetConfig(), m).detect,
        "yolo-fastest-body": YoloDarknetDetector.load(YoloDarknetConfig.body(), m).detect,
        "yunet": yunet.detect,
        "aizoo (one pass)": aizoo.detect,
        "ulfd (one pass)": ulfd.detect,
        "mask check aizoo+yunet": MaskCheck(MaskCheckConfig(), aizoo, yunet).run,
        "mask check ulfd+yunet": MaskCheck(MaskCheckConfig(), ulfd, yunet).run,
        "haar fallback": HaarFaceDetector.load(HaarConfig()).detect,
        "motion (mog2)": motion.detect,
        "flame (colour+flicker)": flame.detect,
        "full stack (default)": DetectorStack.build(StackConfig(), m).run,
    }
    print("command: python bench/detect_speed.py " + " ".join(sys.argv[1:]))
    print(f"frame: {frame.shape[1]}x{frame.shape[0]} tiled from dataset photos; median of {args.runs} runs, 1 thread")
    timings = time_all(cases, frame, args.runs)
    base = timings["baseline resize+blob"]
    for name, ms in timings.items():
        print(f"{name:<26} {ms:8.2f} ms/frame  {ms / base:8.1f}x baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
