"""The mask check against the labelled set mask-wearing-train: the bar, and the no-mask alarm figures.

The bar (``brightkitchen.training.mask_metrics``): of the labelled faces whose box is at least 16 px on its
shorter side, the share found (one-to-one match, IoU >= 0.3, or the prediction's centre inside the label)
and, of those found, the share given the right class. Printed for the test split (source photos grouped,
seed 0, 70/15/15: ``brightkitchen.training.splits``) and, for context, for all images.

The alarm table (all images): a hit is a ``face_no_mask`` matched one-to-one to a ``no-mask`` label at
IoU >= 0.3; every other ``face_no_mask`` is a false alarm, every unmatched no-mask label a miss.

The classifier rows use the shipped classifier (``--classifier``, default ``edge/bundled/mask-classifier``).

    python bench/mask_accuracy.py [--dataset DIR] [--models DIR] [--classifier DIR] [--split test] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.detect.face_attributes import FaceAttributeConfig, FaceAttributes
from brightkitchen.edge.detect.facemask_aizoo import AizooConfig, AizooMaskDetector
from brightkitchen.edge.detect.facemask_ulfd import UlfdConfig, UlfdMaskDetector
from brightkitchen.edge.detect.mask_check import MaskCheck, MaskCheckConfig
from brightkitchen.edge.detect.pipeline import DetectorStack, StackConfig
from brightkitchen.edge.detect.yunet import YuNetConfig, YuNetDetector
from brightkitchen.training.mask_data import LabelledImage, load_labelled
from brightkitchen.training.mask_metrics import MATCH_IOU, BarTally, Rule, match

ROOT = Path(__file__).resolve().parents[1]
NO_MASK = 1  # class index of "no-mask" in the dataset's labels
Run = Callable[[npt.NDArray[np.uint8]], Detections]


@dataclass
class AlarmTally:
    """No-mask alarms: hits, false alarms and misses against the no-mask labels, under one matching rule."""

    rule: Rule = "iou"
    hits: int = 0
    false_alarms: int = 0
    misses: int = 0

    def add(self, found: Detections, boxes: npt.NDArray[np.float32], classes: npt.NDArray[np.int64]) -> None:
        no_mask = found.with_label("face_no_mask").xyxy
        truth = boxes[classes == NO_MASK]
        hits = len(match(no_mask, truth, self.rule))
        self.hits += hits
        self.false_alarms += len(no_mask) - hits
        self.misses += len(truth) - hits

    def line(self) -> str:
        p = self.hits / max(self.hits + self.false_alarms, 1)
        r = self.hits / max(self.hits + self.misses, 1)
        return f"{self.rule:>6}: precision {p:.3f} recall {r:.3f} ({self.hits} hits, {self.false_alarms} false)"


def with_classifier(models: Path, classifier: Path, into: Path) -> Path:
    """A models folder: the pack's folders linked, and the classifier where `models install` puts it."""
    for folder in models.iterdir():
        (into / folder.name).symlink_to(folder.resolve(), target_is_directory=True)
    if (classifier / "card.yaml").is_file():
        (into / FaceAttributeConfig().folder).symlink_to(classifier.resolve(), target_is_directory=True)
    return into


def runs(models: Path, only: list[str]) -> dict[str, Run]:
    """Every configuration measured, the old default first."""
    yunet = YuNetDetector.load(YuNetConfig(), models)
    aizoo = AizooMaskDetector.load(AizooConfig(), models)
    ulfd = UlfdMaskDetector.load(UlfdConfig(), models)
    out: dict[str, Run] = {
        "aizoo + yunet (old default)": MaskCheck(MaskCheckConfig(), aizoo, yunet).run,
        "ulfd + yunet": MaskCheck(MaskCheckConfig(), ulfd, yunet).run,
    }
    if FaceAttributes.present(FaceAttributeConfig(), models):
        attributes = FaceAttributes.load(FaceAttributeConfig(), models)
        default = MaskCheckConfig()
        low = YuNetDetector.load(YuNetConfig(score_threshold=default.classifier_face_score), models)
        only_yunet = MaskCheckConfig(use_mask_model_faces=False)
        out["yunet 0.6 + classifier"] = MaskCheck(only_yunet, None, yunet, attributes).run
        out["yunet 0.2 + classifier"] = MaskCheck(only_yunet, None, low, attributes).run
        dropping = MaskCheckConfig(drop_background=True)
        out["default, background dropped"] = MaskCheck(dropping, aizoo, low, attributes).run
        stack = DetectorStack.build(StackConfig(), models)
        if stack.mask_check is None or stack.mask_check.attributes is None:
            raise SystemExit("the default stack did not pick up the classifier")
        out["default (yunet 0.2 + aizoo + classifier)"] = stack.mask_check.run
    else:
        logging.warning("no %s/ in %s: the classifier rows are left out", FaceAttributeConfig().folder, models)
    return {k: v for k, v in out.items() if not only or k in only}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=ROOT / ".." / "shared" / "datasets" / "mask-wearing-train")
    parser.add_argument("--models", type=Path, default=ROOT / ".." / "shared" / "models")
    parser.add_argument(
        "--classifier", type=Path, default=ROOT / "src" / "brightkitchen" / "edge" / "bundled" / "mask-classifier"
    )
    parser.add_argument("--split", default="test", choices=["train", "val", "test"], help="the split for the bar")
    parser.add_argument("--only", nargs="*", default=[], help="run only these configurations (names as printed)")
    args = parser.parse_args()
    cv2.setNumThreads(1)  # comparable, single-core figures

    images: list[LabelledImage] = load_labelled(args.dataset, seed=0)
    with tempfile.TemporaryDirectory() as folder:
        configurations = runs(with_classifier(args.models, args.classifier, Path(folder)), args.only)
        measure(args, images, configurations)
    return 0


def measure(args: argparse.Namespace, images: list[LabelledImage], configurations: dict[str, Run]) -> None:
    split_bar = {name: BarTally() for name in configurations}
    all_bar = {name: BarTally() for name in configurations}
    alarms = {name: [AlarmTally("iou"), AlarmTally("centre")] for name in configurations}
    split_alarms = {name: [AlarmTally("iou"), AlarmTally("centre")] for name in configurations}
    seconds = dict.fromkeys(configurations, 0.0)
    for image in images:
        frame = image.image
        for name, run in configurations.items():
            start = time.perf_counter()
            found = run(frame)
            seconds[name] += time.perf_counter() - start
            all_bar[name].add(found.xyxy, found.labels, image.boxes, image.classes)
            for tally in alarms[name]:
                tally.add(found, image.boxes, image.classes)
            if image.split == args.split:
                split_bar[name].add(found.xyxy, found.labels, image.boxes, image.classes)
                for tally in split_alarms[name]:
                    tally.add(found, image.boxes, image.classes)

    chosen = [i for i in images if i.split == args.split]
    print("command: python bench/mask_accuracy.py " + " ".join(sys.argv[1:]))
    print(
        f"dataset: {args.dataset.resolve().name}, {len(images)} labelled images, "
        f"{sum(len(i.boxes) for i in images)} labelled faces; {args.split} split: {len(chosen)} images from "
        f"{len({i.group for i in chosen})} source photos"
    )
    print(f"\nthe bar on the {args.split} split (faces >= 16 px on the shorter side; found >= 80%, right >= 90%):")
    for name, tally in split_bar.items():
        print(tally.line(name))
    print("\nthe bar on all images (context; the classifier trained on the train split's images):")
    for name, tally in all_bar.items():
        print(tally.line(name))
    print(f"\nno-mask alarms (every size; a hit matches a no-mask label: IoU >= {MATCH_IOU}, or centre inside):")
    for name in configurations:
        print(f"{name:<42} {args.split}: " + "  ".join(t.line() for t in split_alarms[name]))
        print(f"{'':<42} all:  " + "  ".join(t.line() for t in alarms[name]))
    print("\nmilliseconds per 128x128 image, one thread:")
    for name in configurations:
        print(f"{name:<42} {1000 * seconds[name] / max(len(images), 1):6.1f}")


if __name__ == "__main__":
    raise SystemExit(main())
