"""A dataset version as a YOLO archive: ``data.yaml``, ``images/{split}/{id}.jpg``, ``labels/{split}/{id}.txt``
(``class cx cy w h``, relative, 6 decimals; an empty file for a frame with nothing in it)."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence

import yaml

from brightkitchen.platform.labelling.bundle import ExportItem, add_dirs, write_common, write_images
from brightkitchen.platform.labelling.models import Dataset
from brightkitchen.platform.labelling.vocab import vocabulary
from brightkitchen.platform.storage.base import EvidenceStore


def data_yaml(task: str) -> str:
    names = vocabulary(task).names
    doc = {
        "path": ".",
        "train": "images/train",
        "val": "images/val",
        "test": "images/test",
        "nc": len(names),
        "names": names,
    }
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def label_lines(task: str, item: ExportItem) -> str:
    vocab = vocabulary(task)
    lines = []
    for box in item.boxes:
        cx, cy, w, h = box.yolo()
        lines.append(f"{vocab.index(box.label)} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}")
    return "".join(line + "\n" for line in lines)


def write_yolo(
    zf: zipfile.ZipFile, store: EvidenceStore, dataset: Dataset, items: Sequence[ExportItem]
) -> list[ExportItem]:
    zf.writestr("data.yaml", data_yaml(dataset.task))
    add_dirs(zf, ("images", "labels"))
    written, missing = write_images(zf, store, items)
    for item in written:
        zf.writestr(f"labels/{item.split}/{item.image_id}.txt", label_lines(dataset.task, item))
    write_common(zf, dataset, written, missing, "yolo")
    return written
