"""The compact detector: a small conv backbone, a two-level feature pyramid (stride 16 and 32) and an
anchor-free head that predicts, per grid cell, box edges (left, top, right, bottom), objectness and class scores.

``forward`` returns the raw per-cell predictions the loss needs; ``decode`` turns them into the ``v5`` layout
the edge reads: (1, N, 5 + C) rows of cx, cy, w, h in input pixels, sigmoid objectness, sigmoid class scores.
The export wraps ``decode(forward(x))`` so the ONNX file needs no post-processing beyond NMS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

STRIDES: tuple[int, ...] = (16, 32)


@dataclass(frozen=True)
class NetSpec:
    """What shapes the network: the class count, the square input size and the channel widths."""

    classes: int
    input_size: int = 320
    widths: tuple[int, int, int, int, int] = (16, 32, 64, 96, 128)  # stride 2 (conv stem only), 4, 8, 16, 32
    neck: int = 64
    depth: tuple[int, int, int, int] = (1, 1, 2, 2)  # residual blocks after each stride-2 step from stride 4 on
    stem: Literal["patch", "conv"] = "patch"  # patch: one 4x4 stride-4 convolution, no stride-2 feature map

    def __post_init__(self) -> None:
        if self.classes < 1:
            raise ValueError("a detector needs at least one class")
        if self.input_size % max(STRIDES):
            raise ValueError(f"input size must be a multiple of {max(STRIDES)}, got {self.input_size}")


def conv_bn(c_in: int, c_out: int, k: int = 3, s: int = 1, groups: int = 1) -> nn.Sequential:
    pad = k // 2 if k % 2 else (k - s) // 2  # "same" for odd kernels; none for a k == s patch convolution
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, k, s, pad, groups=groups, bias=False), nn.BatchNorm2d(c_out), nn.SiLU(inplace=True)
    )


class Block(nn.Module):
    """Residual depthwise-separable block: cheap on a CPU, with a 5x5 depthwise kernel for a wider view."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.dw = conv_bn(c, c, 5, 1, groups=c)
        self.pw = nn.Sequential(nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c))
        self.act = nn.SiLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.act(x + self.pw(self.dw(x)))


def stage(c_in: int, c_out: int, blocks: int) -> nn.Sequential:
    return nn.Sequential(conv_bn(c_in, c_out, 3, 2), *(Block(c_out) for _ in range(blocks)))


class CompactDetector(nn.Module):
    def __init__(self, spec: NetSpec) -> None:
        super().__init__()
        self.spec = spec
        w, n = spec.widths, spec.neck
        if spec.stem == "patch":  # cheapest on a CPU: the full-resolution maps are what cost memory traffic
            self.stem: nn.Module = nn.Sequential(conv_bn(3, w[1], 4, 4), *(Block(w[1]) for _ in range(spec.depth[0])))
        else:
            self.stem = nn.Sequential(conv_bn(3, w[0], 3, 2), stage(w[0], w[1], spec.depth[0]))
        self.s8 = stage(w[1], w[2], spec.depth[1])
        self.s16 = stage(w[2], w[3], spec.depth[2])
        self.s32 = stage(w[3], w[4], spec.depth[3])
        self.lat16 = conv_bn(w[3], n, 1)
        self.lat32 = conv_bn(w[4], n, 1)
        self.fuse16 = nn.Sequential(conv_bn(n, n, 3, groups=n), conv_bn(n, n, 1))
        self.fuse32 = nn.Sequential(conv_bn(n, n, 3, groups=n), conv_bn(n, n, 1))
        self.down = conv_bn(n, n, 3, 2, groups=n)  # stride-16 detail back into stride 32 (a PAN step)
        self.head = nn.Sequential(conv_bn(n, n, 3, groups=n), conv_bn(n, n, 1))
        self.pred = nn.Conv2d(n, 5 + spec.classes, 1)
        self.level_scale = nn.Parameter(torch.ones(len(STRIDES)))
        self._init_bias()
        for i, stride in enumerate(STRIDES):
            self.register_buffer(f"grid{i}", grid_centres(spec.input_size, stride), persistent=False)

    def _init_bias(self) -> None:
        # objectness starts near 1 %, as in RetinaNet, so the background cells do not swamp the first steps
        bias = self.pred.bias
        assert bias is not None  # nn.Conv2d has one unless bias=False
        with torch.no_grad():
            bias.zero_()
            bias[4] = -4.6

    def forward(self, x: Tensor) -> list[Tensor]:
        """Raw predictions per level, each (B, H*W, 5 + C): 4 edge logits, objectness logit, class logits."""
        c16 = self.s16(self.s8(self.stem(x)))
        c32 = self.s32(c16)
        p32 = self.lat32(c32)
        p16 = self.fuse16(self.lat16(c16) + F.interpolate(p32, scale_factor=2.0, mode="nearest"))
        p32 = self.fuse32(p32 + self.down(p16))
        out = []
        for feat in (p16, p32):
            raw = self.pred(self.head(feat))
            out.append(raw.flatten(2).transpose(1, 2))
        return out

    def edges(self, raw: list[Tensor]) -> list[Tensor]:
        """Distances from each cell centre to the box's left, top, right, bottom edges, in input pixels."""
        return [F.softplus(r[..., :4] * self.level_scale[i]) * STRIDES[i] for i, r in enumerate(raw)]

    def grids(self) -> list[Tensor]:
        return [getattr(self, f"grid{i}") for i in range(len(STRIDES))]

    def decode(self, raw: list[Tensor]) -> Tensor:
        """The ``v5`` layout: (B, N, 5 + C) with boxes as cx, cy, w, h in input pixels and sigmoid scores."""
        rows = []
        for grid, ltrb, r in zip(self.grids(), self.edges(raw), raw, strict=True):
            x1y1 = grid - ltrb[..., :2]
            x2y2 = grid + ltrb[..., 2:]
            rows.append(torch.cat([(x1y1 + x2y2) / 2, x2y2 - x1y1, torch.sigmoid(r[..., 4:])], dim=-1))
        return torch.cat(rows, dim=1)


class ExportWrapper(nn.Module):
    """What the ONNX file holds: the network and its decoding, one output in the ``v5`` layout."""

    def __init__(self, net: CompactDetector) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: Tensor) -> Tensor:
        return self.net.decode(self.net(x))


def grid_centres(input_size: int, stride: int) -> Tensor:
    """(H*W, 2) cell centres (x, y) in input pixels, row-major like the flattened feature map."""
    n = input_size // stride
    ys, xs = torch.meshgrid(torch.arange(n, dtype=torch.float32), torch.arange(n, dtype=torch.float32), indexing="ij")
    return (torch.stack([xs, ys], dim=-1).reshape(-1, 2) + 0.5) * stride


def parameter_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
