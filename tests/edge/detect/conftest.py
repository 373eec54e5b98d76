"""Fixtures for the detector tests: real model files (../shared/models, through the root conftest's
``models_dir``) and real labelled photos (../shared/datasets/mask-wearing-train)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from brightkitchen.edge.detect.pipeline import DetectorStack, StackConfig
from tests.edge.detect.helpers import NO_MASK_PHOTO, read_labels

LabelledPhoto = tuple[Path, npt.NDArray[np.uint8], npt.NDArray[np.float32], npt.NDArray[np.int64]]


@pytest.fixture(scope="session")
def dataset_dir(shared_dir: Path) -> Path:
    path = shared_dir / "datasets" / "mask-wearing-train"
    if not (path / "images").is_dir():
        pytest.skip("the dataset ../shared/datasets/mask-wearing-train is not present")
    return path


@pytest.fixture(scope="session")
def labelled_photo(dataset_dir: Path) -> LabelledPhoto:
    path = dataset_dir / "images" / f"{NO_MASK_PHOTO}.jpg"
    frame = cv2.imread(str(path))
    assert frame is not None
    boxes, classes = read_labels(dataset_dir / "labels" / f"{NO_MASK_PHOTO}.txt", frame.shape[1], frame.shape[0])
    return path, frame, boxes, classes


@pytest.fixture(scope="session")
def stack(models_dir: Path) -> DetectorStack:
    return DetectorStack.build(StackConfig(), models_dir)
