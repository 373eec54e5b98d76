"""Helpers for the detector tests: the labelled photo used for box assertions, label reading,
and tiny real ONNX graphs with known outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

# A labelled photo (128x128) with an unmasked and a masked face and several people.
NO_MASK_PHOTO = "0_10725_jpg.rf.c3b2976ca3bebf51a136bc9f9651ef59"


def read_labels(label_file: Path, width: int, height: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """YOLO labels (class cx cy w h, relative) as pixel corner boxes and class ids (0 mask, 1 no-mask)."""
    rows = np.array([line.split() for line in label_file.read_text().splitlines() if line.strip()], np.float32)
    rows = rows.reshape(-1, 5)
    cx, cy, w, h = rows[:, 1] * width, rows[:, 2] * height, rows[:, 3] * width, rows[:, 4] * height
    return np.column_stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]).astype(np.float32), rows[:, 0].astype(
        np.int64
    )


def write_yolo_onnx(path: Path, output: npt.NDArray[np.float32], width: int = 64, height: int = 64) -> Path:
    """A real ONNX graph with a (1, 3, height, width) input whose output is always ``output``
    (plus 0 x the input's mean, so the input is genuinely consumed)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Add", ["fixed", "nothing"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_yolo",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, height, width])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(output.shape))],
        initializer=[
            numpy_helper.from_array(output.astype(np.float32), "fixed"),
            numpy_helper.from_array(np.array(0, np.float32), "zero"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


# Rows in network-input pixels (64x64), layout v5: cx, cy, w, h, objectness, class 0, class 1
V5_ROWS = np.array(
    [
        [32, 32, 16, 16, 0.9, 0.1, 0.8],  # class 1, 0.72
        [33, 32, 16, 16, 0.8, 0.1, 0.7],  # class 1, 0.56: a duplicate of the first, suppressed
        [10, 40, 8, 8, 0.2, 0.9, 0.1],  # 0.18: under the threshold
        [50, 40, 8, 8, 0.9, 0.9, 0.0],  # class 0, 0.81
    ],
    np.float32,
)
# The same boxes and final scores in v8 layout (no objectness), transposed to (1, 4 + C, N)
V8_ROWS = np.array(
    [
        [32, 32, 16, 16, 0.05, 0.72],
        [33, 32, 16, 16, 0.05, 0.56],
        [10, 40, 8, 8, 0.18, 0.02],
        [50, 40, 8, 8, 0.81, 0.0],
    ],
    np.float32,
)


def centres_inside(pred: npt.NDArray[np.float32], truth: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """(len(pred), len(truth)): whether each predicted box's centre lies inside each labelled box.
    The dataset's labels are loose head boxes, so this is the fair check for a tight face box."""
    cx, cy = (pred[:, 0] + pred[:, 2]) / 2, (pred[:, 1] + pred[:, 3]) / 2
    return np.asarray(
        (cx[:, None] >= truth[None, :, 0])
        & (cx[:, None] <= truth[None, :, 2])
        & (cy[:, None] >= truth[None, :, 1])
        & (cy[:, None] <= truth[None, :, 3])
    )
