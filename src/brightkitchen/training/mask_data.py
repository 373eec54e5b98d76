"""A labelled YOLO set as images with pixel boxes, for the crop classifier and the mask bench.

Reading and splitting are ``yolo_data.read_dataset``'s (by source photo, seeded, 70/15/15), so the augmented
copies of one photo never sit in two splits. Only numpy / cv2 here: the bench reads the set without torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from brightkitchen.training.splits import Split
from brightkitchen.training.yolo_data import DatasetError, YoloDataset, read_dataset


@dataclass(frozen=True)
class LabelledImage:
    path: Path
    group: str
    split: Split
    image: npt.NDArray[np.uint8]  # BGR, as stored
    boxes: npt.NDArray[np.float32]  # (N, 4) pixel corners
    classes: npt.NDArray[np.int64]  # (N,) indices into the dataset's labels


def labelled_images(dataset: YoloDataset) -> list[LabelledImage]:
    """Every image of the set, read, with its boxes in pixel corners (the sets here are small)."""
    out: list[LabelledImage] = []
    for sample in dataset.samples:
        read = cv2.imread(str(sample.image))
        if read is None:
            raise DatasetError(f"unreadable image {sample.image}")
        image = np.asarray(read, np.uint8)
        h, w = image.shape[:2]
        cx, cy, bw, bh = (sample.boxes * np.array([w, h, w, h], np.float32)).T
        boxes = np.column_stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2]).astype(np.float32)
        out.append(LabelledImage(sample.image, sample.group, sample.split, image, boxes.reshape(-1, 4), sample.classes))
    return out


def load_labelled(root: Path, seed: int = 0) -> list[LabelledImage]:
    return labelled_images(read_dataset(root, seed=seed))
