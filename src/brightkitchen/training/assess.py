"""The exported model judged the way the edge runs it: ``OnnxYoloDetector`` on the original images (letterbox,
onnxruntime, decoding, NMS), with boxes in frame pixels. Thresholds are chosen on the validation split, the
figures measured on the test split.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from brightkitchen.edge.detect.onnx_yolo import OnnxYoloDetector
from brightkitchen.training.augment import read_bgr
from brightkitchen.training.evaluate import Boxes, image_level, match
from brightkitchen.training.yolo_data import Sample

MIN_SCORE = 0.05  # lowest threshold considered: below it a detector only adds noise to an alert stream
DECISION_IOU = 0.3
THRESHOLD_RULE = (
    f"per label, the score with the highest F1 at IoU {DECISION_IOU} on the validation split (at least {MIN_SCORE})"
)


def truth_of(sample: Sample, width: int, height: int) -> Boxes:
    rel = sample.boxes
    scale = np.array([width, height, width, height], np.float32)
    xyxy = np.column_stack(
        [rel[:, 0] - rel[:, 2] / 2, rel[:, 1] - rel[:, 3] / 2, rel[:, 0] + rel[:, 2] / 2, rel[:, 1] + rel[:, 3] / 2]
    )
    return Boxes.truth(xyxy.clip(0, 1) * scale, sample.classes)


def run_on(detector: OnnxYoloDetector, samples: Sequence[Sample]) -> tuple[list[Boxes], list[Boxes]]:
    """Predictions (every score above the detector card's threshold) and truths, in frame pixels."""
    index = {label: i for i, label in enumerate(detector.card.labels)}
    predictions, truths = [], []
    for sample in samples:
        frame = read_bgr(str(sample.image))
        found = detector.detect(frame)
        predictions.append(Boxes.predicted(found.xyxy, [index[lab] for lab in found.labels], found.scores))
        truths.append(truth_of(sample, frame.shape[1], frame.shape[0]))
    return predictions, truths


def choose_thresholds(predictions: Sequence[Boxes], truths: Sequence[Boxes], labels: Sequence[str]) -> dict[str, float]:
    chosen = {}
    for i, label in enumerate(labels):
        threshold, _f1 = match(predictions, truths, i, DECISION_IOU).best_f1(MIN_SCORE)
        chosen[label] = round(float(np.floor(threshold * 1000) / 1000), 3)  # round down: keep the chosen box
    return chosen


def measure_test_split(
    predictions: Sequence[Boxes], truths: Sequence[Boxes], labels: Sequence[str], thresholds: dict[str, float]
) -> dict[str, Any]:
    limits = [thresholds[label] for label in labels]
    metrics: dict[str, Any] = {"split": "test", "images": len(truths), "threshold_rule": THRESHOLD_RULE}
    for key, iou in (("boxes_iou50", 0.5), ("boxes_iou30", 0.3)):
        per_label = {}
        for i, label in enumerate(labels):
            found = match(predictions, truths, i, iou)
            per_label[label] = {**found.at(limits[i]), "ap": round(found.average_precision(), 4)}
        metrics[key] = per_label
    images = {label: image_level(predictions, truths, [i], limits) for i, label in enumerate(labels)}
    if len(labels) > 1:
        images["any"] = image_level(predictions, truths, list(range(len(labels))), limits)
    metrics["images_any"] = images
    return metrics


def ms_per_frame(detector: OnnxYoloDetector, frame: npt.NDArray[np.uint8], runs: int = 50) -> dict[str, Any]:
    """Wall time of one ``detect`` call (letterbox, inference, decoding, NMS), after a warm-up."""
    for _ in range(5):
        detector.detect(frame)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        detector.detect(frame)
        times.append((time.perf_counter() - start) * 1000)
    return {
        "median": round(float(np.median(times)), 2),
        "p90": round(float(np.percentile(times, 90)), 2),
        "threads": detector.card.num_threads,
        "frame": f"{frame.shape[1]}x{frame.shape[0]}",
        "includes": "letterbox, inference, decoding and NMS",
    }
