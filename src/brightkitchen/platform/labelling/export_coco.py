"""A dataset version as COCO JSON: ``annotations/{split}.json`` (boxes in pixels, ``[x, y, w, h]``) with the
images under ``images/{split}/{id}.jpg`` (``file_name`` is relative to that folder)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from typing import Any

from brightkitchen.platform.labelling.bundle import ExportItem, add_dirs, write_common, write_images
from brightkitchen.platform.labelling.models import Dataset
from brightkitchen.platform.labelling.vocab import vocabulary
from brightkitchen.platform.storage.base import EvidenceStore
from brightkitchen.training.splits import SPLITS


def coco_document(dataset: Dataset, items: Sequence[ExportItem]) -> dict[str, Any]:
    vocab = vocabulary(dataset.task)
    licences = list(dict.fromkeys(i.licence for i in items))
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for item in items:
        images.append(
            {
                "id": item.image_id,
                "file_name": f"{item.image_id}.jpg",
                "width": item.width,
                "height": item.height,
                "license": licences.index(item.licence) + 1,
                "date_captured": item.day,
                "site": item.site_code,
                "source": item.origin,
                "attribution": item.attribution,
            }
        )
        for box in item.boxes:
            x, y = box.x1 * item.width, box.y1 * item.height
            w, h = (box.x2 - box.x1) * item.width, (box.y2 - box.y1) * item.height
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": item.image_id,
                    "category_id": vocab.index(box.label) + 1,
                    "bbox": [round(x, 2), round(y, 2), round(w, 2), round(h, 2)],
                    "area": round(w * h, 2),
                    "iscrowd": 0,
                    "segmentation": [],
                }
            )
    return {
        "info": {
            "description": dataset.name,
            "version": str(dataset.version),
            "date_created": dataset.created_at.isoformat(),
        },
        "licenses": [{"id": n + 1, "name": name, "url": ""} for n, name in enumerate(licences)],
        "images": images,
        "annotations": annotations,
        "categories": [
            {"id": n + 1, "name": lab.label, "supercategory": dataset.task} for n, lab in enumerate(vocab.labels)
        ],
    }


def write_coco(
    zf: zipfile.ZipFile, store: EvidenceStore, dataset: Dataset, items: Sequence[ExportItem]
) -> list[ExportItem]:
    add_dirs(zf, ("images",))
    written, missing = write_images(zf, store, items)
    for split in SPLITS:
        doc = coco_document(dataset, [i for i in written if i.split == split])
        zf.writestr(f"annotations/{split}.json", json.dumps(doc, ensure_ascii=False, indent=1))
    write_common(zf, dataset, written, missing, "coco")
    return written
