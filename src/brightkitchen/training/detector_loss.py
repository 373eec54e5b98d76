"""Which grid cells learn which box, and the loss (as in FCOS / YOLOX, kept small).

A cell is positive for a box when its centre lies inside the box, within ``radius`` cells of the box centre, and
the box's size suits the cell's level (stride 16 for boxes reaching up to ``split_hi`` pixels from the cell, stride
32 for those reaching beyond ``split_lo``); the cell holding the box centre at the fitting level is always positive,
so a small box is never left without one. A cell claimed by two boxes learns the smaller.
Loss: GIoU on positive boxes (weight 5), binary cross-entropy on objectness over all cells and on class scores
over positive cells, each summed and divided by the number of positives.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from brightkitchen.training.detector_net import STRIDES


@dataclass(frozen=True)
class AssignSpec:
    radius: float = 2.5  # cells
    split_lo: float = 64.0  # px: boxes reaching beyond this from a cell may use stride 32
    split_hi: float = 112.0  # px: boxes reaching up to this may use stride 16
    box_weight: float = 5.0


@dataclass(frozen=True)
class Targets:
    positive: Tensor  # (N,) bool over all cells of all levels
    boxes: Tensor  # (P, 4) x1, y1, x2, y2 of the box each positive cell learns
    classes: Tensor  # (P,) class index


def assign(grids: list[Tensor], boxes: Tensor, classes: Tensor, spec: AssignSpec) -> Targets:
    """Targets of one image: ``grids`` per level (M_l, 2) cell centres, ``boxes`` (n, 4) corners in input pixels."""
    total = sum(g.shape[0] for g in grids)
    if boxes.shape[0] == 0:
        return Targets(torch.zeros(total, dtype=torch.bool), boxes.new_zeros((0, 4)), classes.new_zeros(0))
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    owners = []
    for level, (grid, stride) in enumerate(zip(grids, STRIDES, strict=True)):
        x, y = grid[:, 0:1], grid[:, 1:2]  # (M, 1)
        ltrb = torch.stack([x - boxes[:, 0], y - boxes[:, 1], boxes[:, 2] - x, boxes[:, 3] - y], dim=-1)  # (M, n, 4)
        inside = ltrb.min(dim=-1).values > 0
        near = ((grid[:, None, :] - centre[None]).abs() < spec.radius * stride).all(dim=-1)
        reach = ltrb.max(dim=-1).values
        lo = spec.split_lo if level > 0 else 0.0
        hi = spec.split_hi if level < len(STRIDES) - 1 else float("inf")
        fits = (reach >= lo) & (reach <= hi)
        candidate = inside & near & fits
        # the cell holding each box centre, at the level the box's size points to
        half_extent = torch.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]) / 2
        wanted = (half_extent > spec.split_hi) if level > 0 else (half_extent <= spec.split_hi)
        centre_cell = (grid[:, None, :] - centre[None]).abs().max(dim=-1).values <= stride / 2
        candidate |= centre_cell & wanted[None]
        cost = torch.where(
            candidate, area[None].expand_as(candidate), torch.full_like(candidate, 1e12, dtype=area.dtype)
        )
        best_cost, best = cost.min(dim=1)
        owners.append(torch.where(best_cost < 1e12, best, torch.full_like(best, -1)))
    owner = torch.cat(owners)
    positive = owner >= 0
    return Targets(positive, boxes[owner[positive]], classes[owner[positive]])


def giou(a: Tensor, b: Tensor) -> Tensor:
    """Generalised IoU of paired corner boxes (P, 4)."""
    inter_wh = (torch.minimum(a[:, 2:], b[:, 2:]) - torch.maximum(a[:, :2], b[:, :2])).clamp(min=0)
    inter = inter_wh[:, 0] * inter_wh[:, 1]
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a + area_b - inter + 1e-7
    hull_wh = torch.maximum(a[:, 2:], b[:, 2:]) - torch.minimum(a[:, :2], b[:, :2])
    hull = hull_wh[:, 0] * hull_wh[:, 1] + 1e-7
    return inter / union - (hull - union) / hull


def detection_loss(
    raw: list[Tensor],
    edges: list[Tensor],
    grids: list[Tensor],
    targets: list[Targets],
    classes: int,
    spec: AssignSpec,
) -> tuple[Tensor, dict[str, float]]:
    """The batch loss and its parts; ``raw``/``edges`` per level as the network gives them."""
    logits = torch.cat(raw, dim=1)  # (B, N, 5 + C)
    ltrb = torch.cat(edges, dim=1)  # (B, N, 4)
    grid = torch.cat(grids, dim=0)  # (N, 2)
    positive = torch.stack([t.positive for t in targets])  # (B, N)
    n_pos = max(int(positive.sum()), 1)
    obj_loss = F.binary_cross_entropy_with_logits(logits[..., 4], positive.float(), reduction="sum") / n_pos
    if not positive.any():
        zero = logits.sum() * 0
        return obj_loss + zero, {"box": 0.0, "obj": float(obj_loss.detach()), "cls": 0.0}
    cells = grid.expand(len(targets), -1, -1)[positive]
    pred_edges = ltrb[positive]
    pred = torch.cat([cells - pred_edges[:, :2], cells + pred_edges[:, 2:]], dim=1)
    true = torch.cat([t.boxes for t in targets])
    box_loss = (1 - giou(pred, true)).sum() / n_pos
    onehot = F.one_hot(torch.cat([t.classes for t in targets]), classes).float()
    cls_loss = F.binary_cross_entropy_with_logits(logits[positive][:, 5:], onehot, reduction="sum") / n_pos
    total = spec.box_weight * box_loss + obj_loss + cls_loss
    return total, {"box": float(box_loss.detach()), "obj": float(obj_loss.detach()), "cls": float(cls_loss.detach())}
