"""The network's decoding, the cell assignment and the ONNX export, without training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from brightkitchen.edge.detect.files import ort_session
from brightkitchen.edge.detect.onnx_yolo import ModelCard, OnnxYoloDetector, resolve_layout
from brightkitchen.training.detector_loss import AssignSpec, assign, detection_loss
from brightkitchen.training.detector_net import CompactDetector, NetSpec, grid_centres
from brightkitchen.training.export import MAX_BYTES, ExportMismatch, export_onnx, verify_onnx


@pytest.fixture
def net() -> CompactDetector:
    torch.manual_seed(0)
    return CompactDetector(NetSpec(classes=2, input_size=128)).eval()


def test_decode_gives_the_v5_layout_in_input_pixels(net: CompactDetector) -> None:
    with torch.no_grad():
        raw = net(torch.rand(1, 3, 128, 128))
        rows = net.decode(raw)
    cells = (128 // 16) ** 2 + (128 // 32) ** 2
    assert rows.shape == (1, cells, 5 + 2)
    assert resolve_layout(tuple(rows.shape), 2, "auto") == "v5"
    edges = torch.cat(net.edges(raw), dim=1)[0]
    centres = torch.cat(net.grids())
    # centre and size of each row are the cell centre moved by half the edge difference, and the edge sums
    assert torch.allclose(rows[0, :, 0], centres[:, 0] + (edges[:, 2] - edges[:, 0]) / 2, atol=1e-4)
    assert torch.allclose(rows[0, :, 3], edges[:, 1] + edges[:, 3], atol=1e-4)
    assert bool(((rows[..., 4:] > 0) & (rows[..., 4:] < 1)).all())
    assert grid_centres(64, 32).tolist() == [[16, 16], [48, 16], [16, 48], [48, 48]]


def test_a_small_box_gets_its_centre_cell_and_a_shared_cell_learns_the_smaller_box(net: CompactDetector) -> None:
    grids = net.grids()
    tiny = torch.tensor([[70.0, 70.0, 76.0, 76.0]])  # 6 px: no cell centre (every 16 px) is inside it
    targets = assign(grids, tiny, torch.tensor([1]), AssignSpec())
    assert int(targets.positive.sum()) == 1 and targets.classes.tolist() == [1]
    big_and_small = torch.tensor([[0.0, 0.0, 128.0, 128.0], [40.0, 40.0, 88.0, 88.0]])
    targets = assign(grids, big_and_small, torch.tensor([0, 1]), AssignSpec())
    shared = int(((grids[0] == torch.tensor([56.0, 56.0])).all(dim=1)).nonzero()[0])  # inside both boxes
    assert bool(targets.positive[shared])
    assert int(targets.classes[int(targets.positive[:shared].sum())]) == 1  # the smaller box
    assert targets.boxes.shape == (int(targets.positive.sum()), 4) and 0 in targets.classes.tolist()
    empty = assign(grids, torch.zeros((0, 4)), torch.zeros(0, dtype=torch.long), AssignSpec())
    assert not empty.positive.any()


def test_the_loss_is_finite_and_falls_on_one_batch() -> None:
    torch.manual_seed(0)
    net = CompactDetector(NetSpec(classes=2, input_size=64))
    x = torch.rand(2, 3, 64, 64)
    boxes = [torch.tensor([[8.0, 8.0, 40.0, 48.0]]), torch.zeros((0, 4))]
    classes = [torch.tensor([0]), torch.zeros(0, dtype=torch.long)]
    optimiser = torch.optim.Adam(net.parameters(), 1e-2)
    losses = []
    for _ in range(15):
        raw = net(x)
        targets = [assign(net.grids(), b, c, AssignSpec()) for b, c in zip(boxes, classes, strict=True)]
        loss, parts = detection_loss(raw, net.edges(raw), net.grids(), targets, 2, AssignSpec())
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
    assert all(np.isfinite(losses)) and set(parts) == {"box", "obj", "cls"}
    assert losses[-1] < losses[0] * 0.7


def test_export_matches_torch_and_loads_in_the_edge_detector(net: CompactDetector, tmp_path: Path) -> None:
    path = tmp_path / "m.onnx"
    export_onnx(net, path)
    assert 0 < path.stat().st_size < MAX_BYTES
    blob = np.random.default_rng(0).random((1, 3, 128, 128), dtype=np.float32)
    diffs = verify_onnx(net, path, blob)
    assert diffs["box_px"] < 1e-2 and diffs["score"] < 1e-4
    card = ModelCard(name="t", file=path.name, layout="v5", input_size=128, labels=["fire", "smoke"])
    detector = OnnxYoloDetector(card, ort_session(path, 1))
    found = detector.detect(np.full((96, 160, 3), 90, np.uint8))
    assert found.xyxy.shape[1] == 4 and set(found.labels) <= {"fire", "smoke"}


def test_a_model_that_differs_from_its_export_is_refused(net: CompactDetector, tmp_path: Path) -> None:
    path = tmp_path / "m.onnx"
    export_onnx(net, path)
    with torch.no_grad():
        net.pred.bias.add_(0.5)  # torch changes after the export: the file no longer computes the same
    with pytest.raises(ExportMismatch, match="ONNX differs from torch"):
        verify_onnx(net, path, np.zeros((1, 3, 128, 128), np.float32))
