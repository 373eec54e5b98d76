"""Small real datasets for the training tests: a handful of photos of ../shared/datasets/fire-smoke-train copied
into a temporary folder, flat (as the source set is) or split (as the platform's dataset export is)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from brightkitchen.training.splits import group_of

FLAT_YAML = "names: ['fire', 'default', 'smoke']\nnc: 3\n"
README = "# a few photos\n\nSource: the fire-smoke-train photos of the project's tests.\nLicence CC BY 4.0.\n"


def pick(source: Path, per_class: int) -> list[Path]:
    """Up to ``per_class`` images for each class of the source set (first box decides), one per group, in name
    order so every run takes the same ones."""
    chosen: dict[str, list[Path]] = {}
    groups: set[str] = set()
    for label in sorted((source / "labels").glob("*.txt")):
        text = label.read_text().split()
        key = text[0] if text else "none"
        group = group_of(label.stem)
        if group in groups or len(chosen.setdefault(key, [])) >= per_class:
            continue
        groups.add(group)
        chosen[key].append(source / "images" / f"{label.stem}.jpg")
    return [p for key in sorted(chosen) for p in chosen[key]]


def flat_copy(source: Path, target: Path, per_class: int = 8) -> Path:
    (target / "images").mkdir(parents=True)
    (target / "labels").mkdir()
    for image in pick(source, per_class):
        shutil.copy(image, target / "images" / image.name)
        shutil.copy(source / "labels" / f"{image.stem}.txt", target / "labels" / f"{image.stem}.txt")
    (target / "data.yaml").write_text(FLAT_YAML)
    (target / "README.md").write_text(README)
    return target


def split_copy(source: Path, target: Path, per_class: int = 6) -> Path:
    """The export layout, with sources.csv naming a site and a day per photo (two sources, two licences)."""
    images = pick(source, per_class)
    rows = []
    for i, image in enumerate(images):
        split = ("train", "train", "train", "val", "test")[i % 5]
        (target / "images" / split).mkdir(parents=True, exist_ok=True)
        (target / "labels" / split).mkdir(parents=True, exist_ok=True)
        shutil.copy(image, target / "images" / split / image.name)
        shutil.copy(source / "labels" / f"{image.stem}.txt", target / "labels" / split / f"{image.stem}.txt")
        own = i % 2 == 0
        rows.append(
            {
                "file": f"images/{split}/{image.name}",
                "site": f"S{i % 3}",
                "day": f"2026-05-0{1 + i % 4}",
                "source": "platform" if own else "fire-smoke-train",
                "licence": "proprietary" if own else "CC BY 4.0",
                "attribution": "" if own else "custom-thxhn on Roboflow Universe",
            }
        )
    with (target / "sources.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (target / "data.yaml").write_text(FLAT_YAML)
    return target
