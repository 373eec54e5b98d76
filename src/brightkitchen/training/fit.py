"""The training loop: AdamW with warm-up and a cosine decay, an exponential moving average (EMA) of the weights,
validation after every epoch, and the best epoch kept.

The run stops after ``epochs`` or when ``budget_s`` of wall-clock time is spent, whichever comes first. The
learning-rate schedule follows the steps only, never the clock, so a run does not depend on the machine's speed:
one cut by the budget is exactly the first epochs of the full run (EMA and the best-epoch choice soften its
higher last learning rate). Validation (part of the budget) scores the EMA weights by the mean average precision
over labels at IoU ``val_iou`` on the validation split.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch
from torch import nn

from brightkitchen.edge.detect.onnx_yolo import ModelCard, decode_yolo
from brightkitchen.edge.geometry import batched_nms
from brightkitchen.training.augment import Held, Jitter, augment, to_input
from brightkitchen.training.detector_loss import AssignSpec, assign, detection_loss
from brightkitchen.training.detector_net import CompactDetector, ExportWrapper
from brightkitchen.training.evaluate import Boxes, match

Log = Callable[[str], None]


@dataclass(frozen=True)
class FitConfig:
    epochs: int
    budget_s: float
    seed: int = 0
    batch: int = 16
    lr: float = 3e-3
    weight_decay: float = 5e-4
    warmup_steps: int = 60
    ema_decay: float = 0.995
    val_iou: float = 0.3
    nms_iou: float = 0.45
    jitter: Jitter = field(default_factory=Jitter)
    assign: AssignSpec = field(default_factory=AssignSpec)


@dataclass(frozen=True)
class FitResult:
    net: CompactDetector  # the EMA weights of the best epoch
    best_epoch: int
    best_score: float
    epochs_run: int
    steps: int
    seconds: float
    stopped_by: Literal["epochs", "budget"]
    history: list[dict[str, float]]


def fit(net: CompactDetector, train: Sequence[Held], val: Sequence[Held], config: FitConfig, log: Log) -> FitResult:
    if not train:
        raise ValueError("the training split is empty")
    start = time.monotonic()
    rng = np.random.default_rng(config.seed)
    optimiser = torch.optim.AdamW(_param_groups(net, config.weight_decay), lr=config.lr)
    ema = copy.deepcopy(net).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    steps_per_epoch = math.ceil(len(train) / config.batch)
    total_steps = max(config.epochs * steps_per_epoch, 1)
    classes = net.spec.classes
    best_state, best_epoch, best_score = copy.deepcopy(ema.state_dict()), 0, -1.0
    history: list[dict[str, float]] = []
    step, epochs_run = 0, 0
    stopped_by: Literal["epochs", "budget"] = "epochs"
    for epoch in range(1, config.epochs + 1):
        net.train()
        order = rng.permutation(len(train))
        losses: list[float] = []
        for first in range(0, len(order), config.batch):
            elapsed = time.monotonic() - start
            if elapsed >= config.budget_s:
                stopped_by = "budget"
                break
            warmup = min(1.0, (step + 1) / config.warmup_steps)
            _set_lr(optimiser, config.lr * warmup * _cosine(step / total_steps))
            items = [augment(train[i], rng, config.jitter) for i in order[first : first + config.batch]]
            x = torch.from_numpy(to_input([it.image for it in items]))
            raw = net(x)
            grids = net.grids()
            targets = [
                assign(grids, torch.from_numpy(it.boxes), torch.from_numpy(it.classes), config.assign) for it in items
            ]
            loss, _parts = detection_loss(raw, net.edges(raw), grids, targets, classes, config.assign)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 10.0)
            optimiser.step()
            step += 1
            _ema_update(ema, net, min(config.ema_decay, (1 + step) / (10 + step)))
            losses.append(float(loss.detach()))
        if not losses:
            break
        epochs_run = epoch
        score = validation_score(ema, val, config) if val else -float(np.mean(losses))
        history.append({"epoch": epoch, "loss": round(float(np.mean(losses)), 4), "val_map": round(score, 4)})
        if score > best_score:
            best_state, best_epoch, best_score = copy.deepcopy(ema.state_dict()), epoch, score
        log(
            f"epoch {epoch:3d}  loss {np.mean(losses):.3f}  val mAP@{config.val_iou} {score:.3f}"
            f"  best {best_score:.3f} (epoch {best_epoch})  {time.monotonic() - start:.0f}s"
        )
        if stopped_by == "budget":
            break
    if time.monotonic() - start >= config.budget_s and epochs_run < config.epochs:
        stopped_by = "budget"
    ema.load_state_dict(best_state)
    return FitResult(ema, best_epoch, best_score, epochs_run, step, time.monotonic() - start, stopped_by, history)


def predict(
    net: CompactDetector, held: Sequence[Held], labels: Sequence[str], min_score: float, nms_iou: float
) -> list[Boxes]:
    """Detections on letterboxed images, in input pixels, decoded and suppressed exactly as the edge does it."""
    size = net.spec.input_size
    card = ModelCard(name="validation", file="-", layout="v5", input_size=(size, size), labels=list(labels),
                     score_threshold=min_score)  # fmt: skip
    out: list[Boxes] = []
    wrapped = ExportWrapper(net).eval()
    with torch.no_grad():
        for first in range(0, len(held), 32):
            chunk = held[first : first + 32]
            rows = wrapped(torch.from_numpy(to_input([h.image for h in chunk]))).numpy()
            for row in rows:
                boxes, scores, class_ids = decode_yolo(row[None], card, "v5")
                boxes = boxes.clip(0, size)
                kept = batched_nms(boxes, scores, class_ids, nms_iou)
                out.append(Boxes.predicted(boxes[kept], class_ids[kept], scores[kept]))
    return out


def validation_score(net: CompactDetector, val: Sequence[Held], config: FitConfig) -> float:
    labels = [str(i) for i in range(net.spec.classes)]
    predictions = predict(net, val, labels, 0.01, config.nms_iou)
    truths = [Boxes.truth(h.boxes, h.classes) for h in val]
    per_label = [match(predictions, truths, c, config.val_iou).average_precision() for c in range(len(labels))]
    return float(np.mean(per_label))


def _param_groups(net: nn.Module, weight_decay: float) -> list[dict[str, object]]:
    decay = [p for p in net.parameters() if p.ndim > 1]  # conv weights; not biases, norms or level scales
    rest = [p for p in net.parameters() if p.ndim <= 1]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]


def _set_lr(optimiser: torch.optim.Optimizer, lr: float) -> None:
    for group in optimiser.param_groups:
        group["lr"] = lr


def _cosine(progress: float, floor: float = 0.05) -> float:
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))


def _ema_update(ema: nn.Module, net: nn.Module, decay: float) -> None:
    with torch.no_grad():
        for e, p in zip(ema.state_dict().values(), net.state_dict().values(), strict=True):
            if e.dtype.is_floating_point:
                e.mul_(decay).add_(p.detach(), alpha=1 - decay)
            else:
                e.copy_(p)
