"""torch is an optional extra: find it or say how to install it; fix seeds and threads for a run."""

from __future__ import annotations

import importlib
import os
import random
from types import ModuleType

import numpy as np

INSTALL_HINT = "training needs the optional extra 'train' (torch, onnx): pip install -e '.[train]'"


class TrainingUnavailable(RuntimeError):
    """torch (or onnx) is not installed in this environment."""


def require_torch() -> ModuleType:
    """The torch module, or TrainingUnavailable with the install command."""
    try:
        importlib.import_module("onnx")
        return importlib.import_module("torch")
    except ImportError as exc:
        raise TrainingUnavailable(f"{INSTALL_HINT} ({exc})") from exc


def default_threads() -> int:
    return max(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1), 1)


def prepare(seed: int, threads: int) -> None:
    """Same seeds everywhere and a fixed number of CPU threads (0: all the cores this process may use)."""
    torch = require_torch()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads or default_threads())
