"""ONNX export of the detector in the edge's ``v5`` layout, checked against torch before anything trusts it."""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnx
import onnxruntime as ort
import torch

from brightkitchen.training.detector_net import CompactDetector, ExportWrapper

OPSET = 17
MAX_BYTES = 5 * 1024 * 1024
# float32 on the same CPU: scores agree to ~1e-6; boxes are in pixels, so allow a little more there
SCORE_TOLERANCE = 1e-4
BOX_TOLERANCE = 1e-2


class ExportMismatch(RuntimeError):
    """The ONNX file does not compute what the torch model computes (or is too large to ship)."""


def export_onnx(net: CompactDetector, path: Path) -> None:
    """Write ``net`` (with its decoding) as an ONNX file taking (1, 3, S, S) RGB in [0, 1]."""
    model = ExportWrapper(copy.deepcopy(net)).eval()
    size = net.spec.input_size
    dummy = torch.zeros(1, 3, size, size)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the TorchScript exporter (dynamo=False) needs no onnxscript; torch warns that it is the older path
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            model,
            (dummy,),
            str(path),
            input_names=["images"],
            output_names=["output"],
            opset_version=OPSET,
            dynamo=False,
        )
    onnx.checker.check_model(onnx.load(str(path)))
    if path.stat().st_size > MAX_BYTES:
        raise ExportMismatch(f"{path.name} is {path.stat().st_size} bytes, over the {MAX_BYTES} a shipped model may be")


def verify_onnx(net: CompactDetector, path: Path, blob: npt.NDArray[np.float32]) -> dict[str, float]:
    """The largest differences between torch and onnxruntime on ``blob`` (1, 3, S, S); raises past the tolerance."""
    with torch.no_grad():
        expected = ExportWrapper(net).eval()(torch.from_numpy(blob)).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = np.asarray(session.run(None, {session.get_inputs()[0].name: blob})[0], np.float32)
    if got.shape != expected.shape:
        raise ExportMismatch(f"ONNX output shape {got.shape} differs from torch's {expected.shape}")
    box_diff = float(np.abs(got[..., :4] - expected[..., :4]).max())
    score_diff = float(np.abs(got[..., 4:] - expected[..., 4:]).max())
    if box_diff > BOX_TOLERANCE or score_diff > SCORE_TOLERANCE:
        raise ExportMismatch(f"ONNX differs from torch: boxes by {box_diff:.2e} px, scores by {score_diff:.2e}")
    return {"box_px": box_diff, "score": score_diff}
