"""What every export holds besides its labels: the frozen items with their files, where each image goes in
the archive, ``sources.csv`` (provenance per image) and a ``README.md`` with the counts and licences."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.labelling.boxes import RelBox, boxes_of
from brightkitchen.platform.labelling.models import Dataset, DatasetItem, LabelImage
from brightkitchen.platform.labelling.vocab import vocabulary
from brightkitchen.platform.storage.base import EvidenceMissing, EvidenceStore, InvalidKey
from brightkitchen.training.splits import SPLITS


@dataclass(frozen=True)
class ExportItem:
    image_id: int
    split: str
    boxes: list[RelBox]
    site_code: str
    day: str
    origin: str
    licence: str
    attribution: str
    storage_key: str
    width: int
    height: int

    @property
    def image_path(self) -> str:
        return f"images/{self.split}/{self.image_id}.jpg"


def load_items(session: Session, dataset: Dataset) -> list[ExportItem]:
    rows = session.execute(
        select(DatasetItem, LabelImage.storage_key, LabelImage.width, LabelImage.height)
        .join(LabelImage, LabelImage.id == DatasetItem.image_id)
        .where(DatasetItem.dataset_id == dataset.id)
        .order_by(DatasetItem.image_id)
    ).all()
    return [
        ExportItem(
            i.image_id,
            i.split,
            boxes_of(i.boxes or []),
            i.site_code,
            i.day,
            i.origin,
            i.licence,
            i.attribution,
            key,
            width,
            height,
        )
        for i, key, width, height in rows
    ]


def add_dirs(zf: zipfile.ZipFile, tops: Sequence[str]) -> None:
    """Every split's folders, even an empty one, so the paths ``data.yaml`` names exist once unpacked."""
    for top in tops:
        for split in SPLITS:
            zf.mkdir(f"{top}/{split}")


def write_images(
    zf: zipfile.ZipFile, store: EvidenceStore, items: Sequence[ExportItem]
) -> tuple[list[ExportItem], list[ExportItem]]:
    """Copies each image's file into the archive (stored: a JPEG does not shrink): (written, missing). An image
    whose file is gone is left out and named in the README, rather than making the whole dataset unexportable."""
    written, missing = [], []
    for item in items:
        try:
            data = store.read(item.storage_key)
        except (EvidenceMissing, InvalidKey):
            missing.append(item)
            continue
        zf.writestr(zipfile.ZipInfo(item.image_path), data, compress_type=zipfile.ZIP_STORED)
        written.append(item)
    return written, missing


def sources_csv(items: Sequence[ExportItem]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["file", "site", "day", "source", "licence", "attribution"])
    for item in items:
        writer.writerow([item.image_path, item.site_code, item.day, item.origin, item.licence, item.attribution])
    return out.getvalue()


def readme(dataset: Dataset, items: Sequence[ExportItem], missing: Sequence[ExportItem], fmt: str) -> str:
    vocab = vocabulary(dataset.task)
    splits = Counter(i.split for i in items)
    labels = Counter(b.label for i in items for b in i.boxes)
    sources = Counter((i.origin, i.licence, i.attribution) for i in items)
    lines = [
        f"# {dataset.name} v{dataset.version}",
        "",
        f"- task: {dataset.task} ({vocab.name_zh} / {vocab.name_en})",
        f"- format: {fmt}",
        f"- made: {dataset.created_at.isoformat()} by {dataset.created_by_name}",
        f"- images: {len(items)} (train {splits['train']}, val {splits['val']}, test {splits['test']})",
        f"- boxes: {sum(labels.values())}",
        f"- split seed: {dataset.seed}; groups: a site and its local day (an import keeps its own groups)",
        "",
        "## Labels",
        "",
        "| index | label | 中文 | boxes |",
        "|---|---|---|---|",
        *(f"| {n} | {lab.label} | {lab.name_zh} | {labels[lab.label]} |" for n, lab in enumerate(vocab.labels)),
        "",
        "## Sources, licences and attributions",
        "",
        "| source | licence | attribution | images |",
        "|---|---|---|---|",
        *(f"| {o} | {lic} | {a} | {n} |" for (o, lic, a), n in sorted(sources.items(), key=lambda kv: -kv[1])),
        "",
        "Per image: `sources.csv`. Frames under the `restricted` licence show minors and kitchen staff:",
        "they are for training inside the platform's own organisation and must not be published.",
    ]
    if missing:
        lines += ["", f"Left out, their files are missing: {', '.join(str(i.image_id) for i in missing)}"]
    return "\n".join(lines) + "\n"


def write_common(
    zf: zipfile.ZipFile, dataset: Dataset, written: Sequence[ExportItem], missing: Sequence[ExportItem], fmt: str
) -> None:
    zf.writestr("sources.csv", sources_csv(written))
    zf.writestr("README.md", readme(dataset, written, missing, fmt))


def counts(items: Sequence[ExportItem]) -> dict[str, Any]:
    return {"images": len(items), "boxes": sum(len(i.boxes) for i in items)}
