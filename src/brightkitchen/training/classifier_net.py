"""The crop classifier's network: a small CNN for square crops (48 px by default), about 130k weights.

Four stages of two 3x3 convolutions (batch norm, ReLU), halving the size between stages, then global
average pooling and one linear layer. Small on purpose: the edge runs it on every face of every analysed
frame, on one CPU thread.
"""

from __future__ import annotations

import torch
from torch import nn


def _stage(cin: int, cout: int, convs: int) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(convs):
        layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
    return layers


class CropNet(nn.Module):
    def __init__(self, classes: int, width: int = 16) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            *_stage(3, w, 2),
            nn.MaxPool2d(2),
            *_stage(w, 2 * w, 2),
            nn.MaxPool2d(2),
            *_stage(2 * w, 4 * w, 2),
            nn.MaxPool2d(2),
            *_stage(4 * w, 6 * w, 1),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(6 * w, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits from (N, 3, S, S) RGB in [0, 1]; centring the input is the network's own job."""
        out: torch.Tensor = self.head(self.features((x - 0.5) / 0.25))
        return out


class WithSoftmax(nn.Module):
    """What is exported: probabilities, so the runtime needs no maths of its own."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(x), dim=1)
