"""Precision and recall of the no-mask check on every labelled image of mask-wearing-train.

A hit is a ``face_no_mask`` detection matched one-to-one (greedy, highest IoU first) to a label of class
``no-mask`` with IoU >= 0.3; every other ``face_no_mask`` is a false alarm, every unmatched no-mask label
a miss. Face recall (any face label against any label, same matching) is printed for context.

    python bench/mask_accuracy.py [--dataset DIR] [--models DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.detect.facemask_aizoo import AizooConfig, AizooMaskDetector
from brightkitchen.edge.detect.facemask_ulfd import UlfdConfig, UlfdMaskDetector
from brightkitchen.edge.detect.mask_check import MaskCheck, MaskCheckConfig
from brightkitchen.edge.detect.masks import MaskModel
from brightkitchen.edge.detect.yunet import YuNetConfig, YuNetDetector
from brightkitchen.edge.geometry import iou_matrix

ROOT = Path(__file__).resolve().parents[1]
MATCH_IOU = 0.3
NO_MASK = 1  # class index of "no-mask" in the dataset's labels


def read_labels(label_file: Path, width: int, height: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """YOLO-format labels (class cx cy w h, relative) as pixel corner boxes and classes."""
    rows = [line.split() for line in label_file.read_text().splitlines() if line.strip()]
    if not rows:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
    arr = np.array(rows, np.float32)
    cx, cy, w, h = arr[:, 1] * width, arr[:, 2] * height, arr[:, 3] * width, arr[:, 4] * height
    boxes = np.column_stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]).astype(np.float32)
    return boxes, arr[:, 0].astype(np.int64)


def matched(pred: npt.NDArray[np.float32], truth: npt.NDArray[np.float32], threshold: float = MATCH_IOU) -> int:
    """Number of one-to-one matches, greedy by IoU."""
    if not len(pred) or not len(truth):
        return 0
    iou = iou_matrix(pred, truth)
    count = 0
    for flat in np.argsort(-iou, axis=None):
        i, j = np.unravel_index(flat, iou.shape)
        if iou[i, j] < threshold:
            break
        if iou[i, j] >= 0:
            count += 1
            iou[i, :] = -1
            iou[:, j] = -1
    return count


@dataclass
class Tally:
    hits: int = 0
    false_alarms: int = 0
    misses: int = 0
    faces_found: int = 0
    faces: int = 0
    seconds: float = 0.0

    def add(self, found: Detections, boxes: npt.NDArray[np.float32], classes: npt.NDArray[np.int64]) -> None:
        no_mask = found.with_label("face_no_mask").xyxy
        truth = boxes[classes == NO_MASK]
        hits = matched(no_mask, truth)
        self.hits += hits
        self.false_alarms += len(no_mask) - hits
        self.misses += len(truth) - hits
        faces = found.with_label("face", "face_mask", "face_no_mask").xyxy
        self.faces_found += matched(faces, boxes)
        self.faces += len(boxes)

    def line(self, name: str, images: int) -> str:
        p = self.hits / max(self.hits + self.false_alarms, 1)
        r = self.hits / max(self.hits + self.misses, 1)
        return (
            f"{name:<22} precision {p:.3f}  recall {r:.3f}  (hits {self.hits}, false alarms {self.false_alarms}, "
            f"misses {self.misses})  face recall {self.faces_found / max(self.faces, 1):.3f}  "
            f"{1000 * self.seconds / max(images, 1):.1f} ms/image"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=ROOT / ".." / "shared" / "datasets" / "mask-wearing-train")
    parser.add_argument("--models", type=Path, default=ROOT / ".." / "shared" / "models")
    args = parser.parse_args()
    cv2.setNumThreads(1)  # comparable, single-core figures

    yunet = YuNetDetector.load(YuNetConfig(), args.models)
    models: dict[str, MaskModel] = {
        "aizoo": AizooMaskDetector.load(AizooConfig(), args.models),
        "ulfd": UlfdMaskDetector.load(UlfdConfig(), args.models),
    }
    runs: dict[str, Callable[[npt.NDArray[np.uint8]], Detections]] = {}
    for name, model in models.items():
        runs[f"{name} alone"] = model.detect
        runs[f"{name} + yunet"] = MaskCheck(MaskCheckConfig(), model, yunet).run

    images = sorted((args.dataset / "images").glob("*.jpg"))
    tallies = {name: Tally() for name in runs}
    counted = 0
    for image in images:
        label_file = args.dataset / "labels" / f"{image.stem}.txt"
        read = cv2.imread(str(image))
        if read is None or not label_file.is_file():
            continue
        frame = np.asarray(read, np.uint8)
        counted += 1
        boxes, classes = read_labels(label_file, frame.shape[1], frame.shape[0])
        for name, run in runs.items():
            start = time.perf_counter()
            found = run(frame)
            tallies[name].seconds += time.perf_counter() - start
            tallies[name].add(found, boxes, classes)

    print("command: python bench/mask_accuracy.py " + " ".join(sys.argv[1:]))
    any_tally = next(iter(tallies.values()))
    print(
        f"dataset: {args.dataset.resolve().name}, {counted} labelled images, {any_tally.faces} labelled faces, "
        f"{any_tally.hits + any_tally.misses} no-mask; match IoU >= {MATCH_IOU}"
    )
    for name, tally in tallies.items():
        print(tally.line(name, counted))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
