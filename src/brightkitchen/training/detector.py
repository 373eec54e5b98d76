"""``train_detector``: a YOLO dataset in, a checked ONNX model with its card and MODEL_CARD.md out.

Steps: read and split the data, train (fit.py), export to ONNX and check it against torch, choose each label's
threshold on the validation split and measure the test split through the edge's own detector, write the card.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from brightkitchen.edge.detect.files import ort_session
from brightkitchen.edge.detect.onnx_yolo import ModelCard, OnnxYoloDetector, letterbox
from brightkitchen.training import torch_env
from brightkitchen.training.assess import MIN_SCORE, choose_thresholds, measure_test_split, ms_per_frame, run_on
from brightkitchen.training.augment import hold, read_bgr
from brightkitchen.training.cards import default_violations, model_card_markdown, write_card
from brightkitchen.training.detector_net import CompactDetector, NetSpec, parameter_count
from brightkitchen.training.export import OPSET, export_onnx, verify_onnx
from brightkitchen.training.fit import FitConfig, Log, fit
from brightkitchen.training.yolo_data import DatasetError, YoloDataset, read_dataset

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
METHOD = (
    "compact anchor-free detector trained from scratch: 4x4 patch stem, depthwise-separable residual stages, "
    "two-level feature pyramid (stride 16 and 32), per-cell box edges + objectness + class scores; "
    "GIoU + BCE loss, AdamW with cosine decay, EMA weights, best epoch by validation mAP@0.3; "
    "augmentation: horizontal flip, scale 0.6-1.4 and shift, hue/saturation/brightness jitter"
)


def train_detector(
    dataset: Path,
    out: Path,
    *,
    labels: list[str] | None,
    name: str,
    version: str,
    epochs: int,
    budget_s: float,
    input_size: int,
    seed: int,
    threads: int,
    licence: str | None = None,
    attribution: str | None = None,
    spec: NetSpec | None = None,
    log: Log = print,
) -> Path:
    """Train, export, check and measure a detector; returns the path of the card written to ``out``."""
    started = time.monotonic()
    flags = [*(["--threads", str(threads)] if threads else [])]
    flags += [*(["--licence", licence] if licence else []), *(["--attribution", attribution] if attribution else [])]
    check_arguments(name, epochs, budget_s, input_size)
    torch_env.prepare(seed, threads)
    data = read_dataset(dataset, labels=labels, seed=seed, licence=licence, attribution=attribution)
    counts = data.counts()
    if not counts["train"] or not counts["val"]:
        raise DatasetError(f"{dataset}: need images in both train and validation splits, have {counts}")
    log(f"{data.layout} dataset {data.root.name}: labels {data.labels}, images {counts}, boxes {data.box_counts()}")
    net_spec = spec or NetSpec(classes=len(data.labels), input_size=input_size)
    net = CompactDetector(net_spec)
    config = FitConfig(epochs=epochs, budget_s=budget_s, seed=seed)
    result = fit(net, hold(data.split("train"), input_size), hold(data.split("val"), input_size), config, log)
    log(f"trained {result.epochs_run} epochs in {result.seconds:.0f}s (stopped by {result.stopped_by})")

    out.mkdir(parents=True, exist_ok=True)
    model_path = out / f"{name}.onnx"
    export_onnx(result.net, model_path)
    check_image = (data.split("test") or data.split("val"))[0].image
    onnx_check = verify_onnx(result.net, model_path, edge_blob(read_bgr(str(check_image)), input_size))

    card = ModelCard(
        name=name,
        version=version,
        file=model_path.name,
        layout="v5",
        input_size=(input_size, input_size),
        labels=data.labels,
        violations=default_violations(data.labels),
        score_threshold=MIN_SCORE,  # every candidate: thresholds are applied in the metrics, then set on the card
    )
    detector = OnnxYoloDetector(card, ort_session(model_path, 1))
    thresholds = choose_thresholds(*run_on(detector, data.split("val")), data.labels)
    metrics: dict[str, Any] = {}
    if data.split("test"):
        metrics = measure_test_split(*run_on(detector, data.split("test")), data.labels, thresholds)
        metrics["ms_per_frame"] = ms_per_frame(detector, read_bgr(str(check_image)))
    metrics["validation"] = {"map_iou30": round(result.best_score, 4), "best_epoch": result.best_epoch}
    training = {
        "command": reproduce_command(dataset, out, data, name, version, epochs, budget_s, input_size, seed, flags),
        "method": METHOD,
        "seconds": round(result.seconds, 1),
        "total_seconds": round(time.monotonic() - started, 1),
        "epochs": epochs,
        "epochs_run": result.epochs_run,
        "best_epoch": result.best_epoch,
        "stopped_by": result.stopped_by,
        "budget_min": round(budget_s / 60, 2),
        "images": counts,
        "boxes": data.box_counts(),
        "seed": seed,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "input_size": input_size,
        "parameters": parameter_count(result.net),
        "opset": OPSET,
        "onnx_check": {k: float(f"{v:.2e}") for k, v in onnx_check.items()},
    }
    card = ModelCard.model_validate(
        {
            **card.model_dump(),
            "score_threshold": min(thresholds.values()),
            "label_thresholds": thresholds,
            "description": describe(data, input_size),
            "metrics": metrics,
            "training": training,
            "data": data.data,
        }
    )
    card_path = out / "card.yaml"
    write_card(card, card_path)
    (out / "MODEL_CARD.md").write_text(model_card_markdown(card), encoding="utf-8")
    log(f"wrote {model_path} ({model_path.stat().st_size} bytes), {card_path} and {out / 'MODEL_CARD.md'}")
    return card_path


def check_arguments(name: str, epochs: int, budget_s: float, input_size: int) -> None:
    if not _NAME.match(name):
        raise ValueError(f"--name {name!r}: use letters, digits, '.', '_' or '-' (it names the .onnx file)")
    if epochs < 1:
        raise ValueError("--epochs must be at least 1")
    if budget_s <= 0:
        raise ValueError("--budget-min must be more than 0")
    if input_size < 64 or input_size > 1024 or input_size % 32:
        raise ValueError(f"--input-size must be a multiple of 32 from 64 to 1024, got {input_size}")


def edge_blob(frame: np.ndarray, size: int) -> np.ndarray:
    """The network input the edge makes from ``frame`` (letterbox, RGB, /255), for the torch / ONNX check."""
    image, _ratio, _pad = letterbox(frame, size, size)
    return np.asarray(cv2.dnn.blobFromImage(image, 1 / 255.0, (size, size), swapRB=True), np.float32)


def describe(data: YoloDataset, input_size: int) -> str:
    return (
        f"Detects {_spoken(data.labels)} in camera frames ({input_size}x{input_size} letterboxed input). "
        f"Trained with `brightkitchen train` on {data.root.name}; see metrics for what it was measured on."
    )


def _spoken(labels: Sequence[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def reproduce_command(
    dataset: Path,
    out: Path,
    data: YoloDataset,
    name: str,
    version: str,
    epochs: int,
    budget_s: float,
    input_size: int,
    seed: int,
    flags: Sequence[str] = (),
) -> str:
    """The command line that makes this run again (paths as they were given)."""
    args = ["brightkitchen", "train", "--dataset", str(dataset), "--out", str(out), "--labels", ",".join(data.labels)]
    args += ["--name", name, "--version", version, "--epochs", str(epochs), "--budget-min", f"{budget_s / 60:g}"]
    args += ["--input-size", str(input_size), "--seed", str(seed), *flags]
    return shlex.join(args)
