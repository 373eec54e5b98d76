"""Training a crop classifier (e.g. mask / no mask / not a face) on the boxes of a YOLO set, on CPU.

- Data: every labelled box of the TRAIN split whose shorter side is at least ``MIN_SIDE`` px becomes a crop
  of its class (square, centred, side = the box's longer side x ``CONTEXT``, cut by the runtime's own
  ``face_attributes.crop_matrix``); ``background`` crops are random squares of face-like sizes whose centre
  lies in no labelled box. Each epoch cuts fresh crops with jitter (scale 0.75-1.35, shift, turn, flip) and
  colour, blur and low-resolution jitter, so that crops around a face detector's tighter boxes look alike.
- Model: ``classifier_net.CropNet``; class-balanced cross entropy; the epoch with the best mean per-class
  recall on the VAL split is kept.
- Thresholds, chosen on VAL only: ``background`` at the 95th percentile of p(background) over VAL objects (so
  at most 5 % of real objects are dropped as background); for two object classes, the second class's share
  p2 / (p1 + p2) threshold that maximises their balanced accuracy on VAL.
- Measured on TEST (crops of labelled boxes, and background crops), written to the card, exported to ONNX.
- Optionally (``finder_models``, mask sets): crops around the faces the mask check's own finder reports too
  (``mask_finder``); tried for the shipped model and not used (docs/detectors.md).

    brightkitchen train --task classify --dataset DATASET --out OUT --name NAME [--epochs N] [--budget-min M]
        [--seed N] [--threads N] [--licence TEXT] [--attribution TEXT]

(``python -m brightkitchen.training.classifier`` also takes ``--finder-models MODELS``, for experiments.)
"""

from __future__ import annotations

import argparse
import logging
import math
import platform
import shlex
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import yaml

from brightkitchen.edge.detect.face_attributes import (
    BACKGROUND,
    ClassifierCard,
    FaceAttributeConfig,
    crop_matrix,
    cut,
    to_input,
)
from brightkitchen.training.mask_data import LabelledImage, labelled_images
from brightkitchen.training.splits import Split
from brightkitchen.training.yolo_data import DatasetError, read_dataset

SIZE = 48  # crop side fed to the network
CONTEXT = 1.0  # crop side / labelled box's longer side
MIN_SIDE = 6.0  # boxes smaller than this (shorter side, px) carry too little to learn from
BACKGROUND_SHARE = 0.6  # background crops per object crop
KEEP_OBJECTS = 0.95  # the background threshold drops at most 5 % of VAL objects
MODEL_FILE = "model.onnx"
CARD_FILE = "card.yaml"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One crop to cut: an image, a square (centre, side: the crop's own, context included) and its class."""

    image: int
    cx: float
    cy: float
    side: float
    cls: int


def clean_label(name: str) -> str:
    """Dataset class names as card labels: ``no-mask`` -> ``no_mask``."""
    return "_".join(name.strip().lower().replace("-", " ").split())


def object_jobs(images: list[LabelledImage], split: Split) -> list[Job]:
    jobs: list[Job] = []
    for i, item in enumerate(images):
        if item.split != split:
            continue
        for (x1, y1, x2, y2), cls in zip(item.boxes, item.classes, strict=True):
            if min(x2 - x1, y2 - y1) >= MIN_SIDE:
                side = float(max(x2 - x1, y2 - y1)) * CONTEXT
                jobs.append(Job(i, float(x1 + x2) / 2, float(y1 + y2) / 2, side, int(cls)))
    return jobs


def background_jobs(
    images: list[LabelledImage], split: Split, count: int, cls: int, rng: np.random.Generator
) -> list[Job]:
    """Random squares of the sizes objects have, centred on no labelled box."""
    pool = [i for i, item in enumerate(images) if item.split == split]
    jobs: list[Job] = []
    tries = 0
    while len(jobs) < count and pool and tries < count * 50:
        tries += 1
        i = pool[int(rng.integers(len(pool)))]
        h, w = images[i].image.shape[:2]
        side = float(rng.uniform(0.08, 0.4) * min(h, w))
        cx, cy = float(rng.uniform(0, w)), float(rng.uniform(0, h))
        b = images[i].boxes
        if len(b) and np.any((cx >= b[:, 0]) & (cx <= b[:, 2]) & (cy >= b[:, 1]) & (cy <= b[:, 3])):
            continue
        jobs.append(Job(i, cx, cy, side, cls))
    return jobs


def render(images: list[LabelledImage], job: Job, rng: np.random.Generator | None = None) -> npt.NDArray[np.uint8]:
    """The crop a job names; with ``rng``, jittered in geometry and colour (training), else exactly as the
    runtime cuts it."""
    frame = images[job.image].image
    side = job.side
    if rng is None:
        return cut(frame, crop_matrix(job.cx, job.cy, side, SIZE), SIZE)
    side *= float(rng.uniform(0.75, 1.35))
    cx = job.cx + float(rng.uniform(-0.12, 0.12)) * side
    cy = job.cy + float(rng.uniform(-0.12, 0.12)) * side
    crop = cut(frame, crop_matrix(cx, cy, side, SIZE, float(rng.uniform(-10, 10)), bool(rng.random() < 0.5)), SIZE)
    return colour_jitter(crop, rng)


def colour_jitter(crop: npt.NDArray[np.uint8], rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    out = crop.astype(np.float32)
    if rng.random() < 0.3:  # a smaller face: lose detail the way a distant one does
        low = int(rng.integers(10, 25))
        small = cv2.resize(crop, (low, low), interpolation=cv2.INTER_AREA)
        out = np.asarray(cv2.resize(small, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR), np.float32)
    if rng.random() < 0.2:
        out = np.asarray(cv2.GaussianBlur(out, (0, 0), float(rng.uniform(0.5, 1.2))), np.float32)
    if rng.random() < 0.15:  # some cameras and archive photos are grey
        out = np.repeat(out.mean(axis=2, keepdims=True), 3, axis=2)
    mean = out.mean()
    out = (out - mean) * float(rng.uniform(0.7, 1.3)) + mean * float(rng.uniform(0.75, 1.25))
    out += rng.normal(0, 3, out.shape).astype(np.float32)
    return np.asarray(np.clip(out, 0, 255), np.uint8)


def batch_input(images: list[LabelledImage], jobs: list[Job], rng: np.random.Generator | None) -> Any:
    import torch

    return torch.from_numpy(to_input([render(images, job, rng) for job in jobs]))


def predict(net: Any, images: list[LabelledImage], jobs: list[Job]) -> npt.NDArray[np.float32]:
    import torch

    net.eval()
    rows: list[npt.NDArray[np.float32]] = []
    with torch.no_grad():
        for start in range(0, len(jobs), 256):
            logits = net(batch_input(images, jobs[start : start + 256], None))
            rows.append(torch.softmax(logits, dim=1).numpy().astype(np.float32))
    return np.concatenate(rows) if rows else np.zeros((0, 0), np.float32)


def recalls(probs: npt.NDArray[np.float32], truth: npt.NDArray[np.int64], labels: list[str]) -> dict[str, float]:
    """Per-class recall of the arg-max class."""
    pred = probs.argmax(axis=1)
    return {
        lab: float((pred[truth == k] == k).mean()) if (truth == k).any() else math.nan for k, lab in enumerate(labels)
    }


def choose_thresholds(
    probs: npt.NDArray[np.float32], truth: npt.NDArray[np.int64], labels: list[str]
) -> dict[str, float]:
    """On VAL: the background threshold keeping KEEP_OBJECTS of objects; for two object classes, the share
    threshold of the second that maximises their balanced accuracy."""
    bg = labels.index(BACKGROUND)
    objects = truth != bg
    # rounded up, so that no more than the share promised is dropped
    thresholds = {BACKGROUND: math.ceil(float(np.quantile(probs[objects, bg], KEEP_OBJECTS)) * 1000) / 1000}
    if len(labels) == 3 and objects.any():
        a, b = [k for k in range(len(labels)) if k != bg]
        share = probs[objects, b] / np.maximum(probs[objects, a] + probs[objects, b], 1e-9)
        is_b = truth[objects] == b
        if is_b.any() and (~is_b).any():
            grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
            scores = [((share[is_b] >= t).mean() + (share[~is_b] < t).mean()) / 2 for t in grid]
            thresholds[labels[b]] = float(grid[int(np.argmax(scores))])
    return thresholds


def decide(probs: npt.NDArray[np.float32], labels: list[str], thresholds: dict[str, float]) -> npt.NDArray[np.int64]:
    """The class each row gets under the thresholds, the same rule as the runtime (face_attributes.decide)."""
    bg = labels.index(BACKGROUND)
    out = probs.argmax(axis=1).astype(np.int64)
    objects = [k for k in range(len(labels)) if k != bg]
    if len(objects) == 2:
        a, b = objects
        share = probs[:, b] / np.maximum(probs[:, a] + probs[:, b], 1e-9)
        out = np.where(share >= thresholds.get(labels[b], 0.5), b, a)
    else:
        masked = probs.copy()
        masked[:, bg] = -1
        out = masked.argmax(axis=1)
    return np.where(probs[:, bg] >= thresholds.get(BACKGROUND, 0.5), bg, out).astype(np.int64)


def scores(pred: npt.NDArray[np.int64], truth: npt.NDArray[np.int64], labels: list[str]) -> dict[str, Any]:
    per = {lab: round(float((pred[truth == k] == k).mean()), 4) for k, lab in enumerate(labels) if (truth == k).any()}
    counts = {lab: int((truth == k).sum()) for k, lab in enumerate(labels)}
    return {
        "accuracy": round(float((pred == truth).mean()), 4) if len(truth) else math.nan,
        "recall": per,
        "balanced_accuracy": round(float(np.mean(list(per.values()))), 4) if per else math.nan,
        "crops": counts,
    }


def train_classifier(
    dataset: Path,
    out: Path,
    *,
    name: str,
    epochs: int,
    budget_s: float,
    seed: int,
    threads: int,
    licence: str | None = None,
    attribution: str | None = None,
    finder_models: Path | None = None,
) -> Path:
    """Train, choose thresholds on VAL, measure on TEST, export ``out/model.onnx`` and write ``out/card.yaml``
    (returned) and ``out/MODEL_CARD.md``. Stops after ``epochs``, or after the first epoch that ends past
    ``budget_s`` seconds. ``seed`` seeds the split (by source photo) and the training alike.

    ``finder_models`` (a models folder; mask sets only): also learn from crops around the faces the mask check's
    finder reports on each image (``mask_finder``), its false faces as background."""
    import torch

    from brightkitchen.training.classifier_net import CropNet

    started = time.monotonic()
    if epochs < 1 or budget_s <= 0:
        raise ValueError("epochs must be at least 1 and budget_s positive")
    torch.manual_seed(seed)
    torch.set_num_threads(max(threads, 1))
    rng = np.random.default_rng(seed)
    data = read_dataset(dataset, seed=seed, licence=licence, attribution=attribution)
    labels = [clean_label(n) for n in data.labels]
    if BACKGROUND in labels or len(set(labels)) != len(labels):
        raise DatasetError(f"class names {data.labels} clash once cleaned, or one is called '{BACKGROUND}'")
    labels.append(BACKGROUND)
    bg = len(labels) - 1
    images = labelled_images(data)

    train_objects = object_jobs(images, "train")
    if not train_objects or not object_jobs(images, "val"):
        raise DatasetError("the train and val splits both need labelled boxes of at least 6 px")
    fixed = np.random.default_rng(seed + 1)  # VAL / TEST background crops: the same every epoch and run
    val_jobs = object_jobs(images, "val")
    val_jobs += background_jobs(images, "val", int(len(val_jobs) * BACKGROUND_SHARE), bg, fixed)
    test_jobs = object_jobs(images, "test")
    test_jobs += background_jobs(images, "test", int(len(test_jobs) * BACKGROUND_SHARE), bg, fixed)
    found: list[Job] = []
    if finder_models is not None:
        from brightkitchen.training.mask_finder import finder_jobs

        found = finder_jobs(images, finder_models, FaceAttributeConfig().context, bg)
        val_jobs += [j for j in found if images[j.image].split == "val"]
        test_jobs += [j for j in found if images[j.image].split == "test"]
    train_found = [j for j in found if images[j.image].split == "train"]
    val_truth = np.array([j.cls for j in val_jobs], np.int64)

    counts = np.bincount([j.cls for j in train_objects + train_found], minlength=len(labels)).astype(np.float64)
    counts[bg] += len(train_objects) * BACKGROUND_SHARE
    weights = torch.tensor(counts.sum() / (len(labels) * np.maximum(counts, 1)), dtype=torch.float32)

    net = CropNet(len(labels))
    optimiser = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-3)
    per_epoch = math.ceil((len(train_objects) * (1 + BACKGROUND_SHARE) + len(train_found)) / 64)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, total_steps=epochs * per_epoch)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights, label_smoothing=0.05)
    best: tuple[float, int, dict[str, Any]] = (-1.0, 0, {})
    ran = 0
    for epoch in range(epochs):
        if epoch and time.monotonic() - started > budget_s:  # the first epoch always runs: no model without it
            break
        jobs = train_objects + train_found
        jobs += background_jobs(images, "train", int(len(train_objects) * BACKGROUND_SHARE), bg, rng)
        order = rng.permutation(len(jobs))
        net.train()
        for step in range(per_epoch):
            picked = [jobs[int(k)] for k in order[step * 64 : (step + 1) * 64]]
            if not picked:
                break
            loss = loss_fn(net(batch_input(images, picked, rng)), torch.tensor([j.cls for j in picked]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        ran = epoch + 1
        val = recalls(predict(net, images, val_jobs), val_truth, labels)
        mean_recall = float(np.nanmean(list(val.values())))
        log.info("epoch %d/%d: validation recall %s", ran, epochs, {k: round(v, 3) for k, v in val.items()})
        if mean_recall > best[0]:
            best = (mean_recall, ran, {k: v.detach().clone() for k, v in net.state_dict().items()})
    net.load_state_dict(best[2])

    val_probs = predict(net, images, val_jobs)
    thresholds = choose_thresholds(val_probs, val_truth, labels)
    test_truth = np.array([j.cls for j in test_jobs], np.int64)
    test_probs = predict(net, images, test_jobs)
    seconds = round(time.monotonic() - started, 1)

    out.mkdir(parents=True, exist_ok=True)
    export_onnx(net, out / MODEL_FILE)
    card = ClassifierCard(
        name=name,
        version=time.strftime("%Y%m%d"),
        file=MODEL_FILE,
        input_size=SIZE,
        labels=labels,
        context=CONTEXT,
        thresholds=thresholds,
        description=(
            f"Crop classifier ({', '.join(labels)}) trained on {data.root.name}: crops of labelled boxes, "
            "background crops centred on no box."
        ),
        metrics={
            "val": scores(decide(val_probs, labels, thresholds), val_truth, labels),
            "test": scores(decide(test_probs, labels, thresholds), test_truth, labels),
            "note": "crops of labelled boxes (and background crops) of each split, with the card's thresholds",
        },
        training={
            "command": (
                f"brightkitchen train --task classify --dataset DATASET --out OUT --name {name} --epochs {epochs} "
                f"--budget-min {budget_s / 60:g} --seed {seed} --threads {threads}"
                + (f" --licence {shlex.quote(licence)}" if licence else "")
                + (f" --attribution {shlex.quote(attribution)}" if attribution else "")
                + (" --finder-models MODELS" if finder_models else "")
            ),
            "seconds": seconds,
            "epochs_run": ran,
            "best_epoch": best[1],
            "seed": seed,
            "threads": threads,
            "splits": data.counts(),
            "split_rule": "by source photo (splits.group_of), seeded hash, 70/15/15",
            "min_box_side_px": MIN_SIDE,
            "finder_crops": (
                {"train": len(train_found), "context": FaceAttributeConfig().context} if finder_models else "none"
            ),
            "torch": str(torch.__version__),
            "machine": platform.machine(),
        },
        data=data.data,
    )
    card_path = out / CARD_FILE
    card_path.write_text(yaml.safe_dump(card.model_dump(), sort_keys=False, allow_unicode=True), encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(model_card_markdown(card), encoding="utf-8")
    return card_path


def export_onnx(net: Any, path: Path) -> None:
    """The network with a softmax, batch size free, opset 17, the legacy (TorchScript) exporter."""
    import torch

    from brightkitchen.training.classifier_net import WithSoftmax

    model = WithSoftmax(net).eval()
    example = torch.zeros(1, 3, SIZE, SIZE)
    with warnings.catch_warnings():  # the legacy exporter is chosen on purpose: small, plain opset-17 graphs
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            model,
            (example,),
            str(path),
            input_names=["crops"],
            output_names=["probs"],
            dynamic_axes={"crops": {0: "n"}, "probs": {0: "n"}},
            opset_version=17,
            dynamo=False,
        )


def model_card_markdown(card: ClassifierCard) -> str:
    """A reviewer's page from the card: what it is, what it learnt from (with licences), how it measured."""
    lines = [f"# {card.name} ({card.version})", "", card.description, "", "## Data", ""]
    for row in card.data:
        lines.append(
            f"- {row.get('source', '')}: licence {row.get('licence', 'unknown')}. {row.get('attribution', '')}"
        )
    lines += ["", "## Measured (crops, thresholds from the validation split)", ""]
    for split in ("val", "test"):
        m = card.metrics.get(split, {})
        lines.append(
            f"- {split}: accuracy {m.get('accuracy')}, balanced accuracy {m.get('balanced_accuracy')}, "
            f"recall {m.get('recall')}, crops {m.get('crops')}"
        )
    lines += ["", "## Training", "", f"- thresholds: {card.thresholds}"]
    lines += [f"- {key}: {value}" for key, value in card.training.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train a crop classifier on a YOLO set (see the module docstring).")
    parser.add_argument("dataset", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--name", required=True)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--budget-s", type=float, default=1800.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--licence", default=None, help="the data's licence, when the folder does not state it")
    parser.add_argument("--attribution", default=None)
    parser.add_argument("--finder-models", type=Path, default=None, help="models folder: learn from found faces too")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    card = train_classifier(
        args.dataset,
        args.out,
        name=args.name,
        epochs=args.epochs,
        budget_s=args.budget_s,
        seed=args.seed,
        threads=args.threads,
        licence=args.licence,
        attribution=args.attribution,
        finder_models=args.finder_models,
    )
    print(card.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
