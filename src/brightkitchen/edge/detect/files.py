"""Where a detector's files are inside the models folder, and the error when they are not there."""

from __future__ import annotations

from pathlib import Path

import cv2
import onnxruntime as ort


class ModelFileMissing(FileNotFoundError):
    """A model file the detector needs is not in the models folder (run `brightkitchen models install`)."""


def model_file(models_dir: Path, folder: str, name: str) -> Path:
    path = Path(models_dir) / folder / name
    if not path.is_file():
        raise ModelFileMissing(f"model file {folder}/{name} is missing from the models folder")
    return path


def cpu_net(net: cv2.dnn.Net) -> cv2.dnn.Net:
    """Plain OpenCV CPU backend; the thread count stays the caller's choice (cv2.setNumThreads)."""
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    return net


def ort_session(path: Path, num_threads: int) -> ort.InferenceSession:
    """A CPU onnxruntime session with a fixed thread count (edge servers run several cameras at once)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = num_threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # some upstream exports keep weights as graph inputs: one warning per tensor
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
