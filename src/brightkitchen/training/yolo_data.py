"""Reading a YOLO dataset folder: boxes, the classes kept, the train / val / test split and where the data came from.

Two layouts are read:

- flat: ``images/``, ``labels/`` (one ``NAME.txt`` per image, ``class cx cy w h`` relative), ``data.yaml`` with
  ``names``; it is split here by group (``splits.group_of``, seeded) so near-copies never sit in two splits;
- split: ``images/{train,val,test}/``, ``labels/{train,val,test}/``, ``data.yaml`` and an optional ``sources.csv``
  (``file,site,day,source,licence,attribution``), the platform's dataset export. Its splits are kept as they are;
  a missing validation split is cut from train by group.

An image without a label file is a background image (no boxes). Classes not asked for are dropped, so their
images become background for the classes kept.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import yaml

from brightkitchen.training.splits import SPLITS, Split, group_of, site_day_group, split_groups

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp"})
Layout = Literal["flat", "split"]

_LICENCE = re.compile(
    r"\b(CC[ -]BY(?:[ -](?:NC-SA|NC-ND|SA|NC|ND))?[ -]\d\.\d|CC0(?:[ -]1\.0)?|public[ -]domain|MIT|Apache[ -]2\.0"
    r"|ODbL(?:[ -]1\.0)?)\b",
    re.IGNORECASE,
)


class DatasetError(ValueError):
    """The folder is not a dataset this reader understands; the message says what is wrong and where."""


@dataclass(frozen=True)
class Sample:
    image: Path
    boxes: npt.NDArray[np.float32]  # (n, 4) cx, cy, w, h relative to the image
    classes: npt.NDArray[np.int64]  # (n,) index into YoloDataset.labels
    group: str
    split: Split
    source: str = ""


@dataclass(frozen=True)
class YoloDataset:
    root: Path
    layout: Layout
    source_names: list[str]  # every class data.yaml names, in its order
    labels: list[str]  # the classes kept, in the model's order
    samples: list[Sample]
    data: list[dict[str, str]] = field(default_factory=list)  # each source: dataset, licence, attribution

    def split(self, name: Split) -> list[Sample]:
        return [s for s in self.samples if s.split == name]

    def counts(self) -> dict[str, int]:
        found = Counter(s.split for s in self.samples)
        return {name: found.get(name, 0) for name in SPLITS}

    def box_counts(self) -> dict[str, int]:
        found = Counter(int(c) for s in self.samples for c in s.classes)
        return {label: found.get(i, 0) for i, label in enumerate(self.labels)}


def read_dataset(
    root: Path,
    *,
    labels: Sequence[str] | None = None,
    seed: int = 0,
    licence: str | None = None,
    attribution: str | None = None,
) -> YoloDataset:
    """The dataset under ``root``; ``labels`` picks and orders the classes kept (default: all of data.yaml)."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root} is not a folder")
    names = read_names(root)
    kept = list(labels) if labels else names
    unknown = [lab for lab in kept if lab not in names]
    if unknown or len(set(kept)) != len(kept) or not kept:
        raise DatasetError(f"--labels must name distinct classes of data.yaml {names}; not found: {unknown}")
    remap = {names.index(lab): i for i, lab in enumerate(kept)}
    layout: Layout = "split" if (root / "images" / "train").is_dir() else "flat"
    sources = read_sources_csv(root / "sources.csv")
    if layout == "flat":
        samples = _read_flat(root, names, remap, seed)
    else:
        samples = _read_split(root, names, remap, seed, sources)
    if not samples:
        raise DatasetError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) under {root / 'images'}")
    data = provenance(root, samples, sources, licence, attribution)
    return YoloDataset(root, layout, names, kept, samples, data)


def read_names(root: Path) -> list[str]:
    spec = root / "data.yaml"
    if not spec.is_file():
        raise DatasetError(f"{spec} is missing: a YOLO dataset names its classes there (names: [...])")
    try:
        data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{spec} is not valid YAML: {exc}") from exc
    names = data.get("names") if isinstance(data, dict) else None
    if isinstance(names, dict):  # {0: fire, 1: smoke}
        try:
            names = [names[k] for k in sorted(names, key=int)]
        except (TypeError, ValueError) as exc:
            raise DatasetError(f"{spec}: names keys must be class numbers") from exc
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise DatasetError(f"{spec} must list the class names: names: [fire, smoke]")
    return [str(n) for n in names]


def read_labels(path: Path, classes: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """Boxes (relative cx, cy, w, h) and class numbers of one label file; polygons become their bounding box."""
    if not path.is_file():
        return np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
    boxes: list[list[float]] = []
    ids: list[int] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        try:
            cls = int(fields[0])
            values = [float(v) for v in fields[1:]]
        except ValueError as exc:
            raise DatasetError(f"{path}:{number}: expected 'class cx cy w h' numbers, got {line!r}") from exc
        if not 0 <= cls < classes:
            raise DatasetError(f"{path}:{number}: class {cls} is not one of the {classes} classes of data.yaml")
        if len(values) == 4:
            box = values
        elif len(values) >= 6 and len(values) % 2 == 0:  # segmentation polygon x1 y1 x2 y2 ...
            xs, ys = values[0::2], values[1::2]
            box = [(min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2, max(xs) - min(xs), max(ys) - min(ys)]
        else:
            raise DatasetError(f"{path}:{number}: expected 'class cx cy w h', got {len(fields)} fields")
        if not all(np.isfinite(box)) or box[2] <= 0 or box[3] <= 0:
            raise DatasetError(f"{path}:{number}: box needs finite centre and positive width and height")
        boxes.append(box)
        ids.append(cls)
    return np.asarray(boxes, np.float32).reshape(-1, 4), np.asarray(ids, np.int64)


def _sample(image: Path, label: Path, names: list[str], remap: dict[int, int], group: str, split: Split) -> Sample:
    boxes, ids = read_labels(label, len(names))
    keep = np.array([int(c) in remap for c in ids], bool)
    classes = np.array([remap[int(c)] for c in ids[keep]], np.int64)
    return Sample(image, boxes[keep], classes, group, split)


def _images(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def _read_flat(root: Path, names: list[str], remap: dict[int, int], seed: int) -> list[Sample]:
    if not (root / "images").is_dir():
        raise DatasetError(f"{root} has no images/ folder (flat layout) nor images/train/ (split layout)")
    images = _images(root / "images")
    splits = split_groups((group_of(p.stem) for p in images), seed)
    return [
        _sample(p, root / "labels" / f"{p.stem}.txt", names, remap, group_of(p.stem), splits[group_of(p.stem)])
        for p in images
    ]


def _read_split(
    root: Path, names: list[str], remap: dict[int, int], seed: int, sources: dict[str, dict[str, str]]
) -> list[Sample]:
    samples: list[Sample] = []
    for split in SPLITS:
        for p in _images(root / "images" / split):
            row = sources.get(p.name)
            group = site_day_group(row["site"], row["day"]) if row and row.get("site") else group_of(p.stem)
            sample = _sample(p, root / "labels" / split / f"{p.stem}.txt", names, remap, group, split)
            samples.append(replace(sample, source=row.get("source", "") if row else ""))
    if not any(s.split == "val" for s in samples):  # cut a validation split from train, by group
        train_groups = {s.group for s in samples if s.split == "train"}
        carved = split_groups(train_groups, seed, (0.85, 0.15, 0.0))
        samples = [replace(s, split=carved[s.group]) if s.split == "train" else s for s in samples]
    return samples


def read_sources_csv(path: Path) -> dict[str, dict[str, str]]:
    """Rows of the export's ``sources.csv`` by image file name (empty when there is none)."""
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise DatasetError(f"{path} needs a header with at least the column 'file'")
        return {Path(row["file"]).name: {k: (v or "").strip() for k, v in row.items() if k} for row in reader}


def provenance(
    root: Path,
    samples: Iterable[Sample],
    sources: dict[str, dict[str, str]],
    licence: str | None,
    attribution: str | None,
) -> list[dict[str, str]]:
    """Each source of the data with its licence and attribution: flags first, then sources.csv, then the folder's
    LICENSE / README. A licence nobody states is recorded as ``unknown`` (the card shows it to the reviewer)."""
    used = {s.image.name for s in samples}
    rows = {
        (r.get("source", ""), r.get("licence", ""), r.get("attribution", ""))
        for name, r in sources.items()
        if name in used
    }
    if rows and not licence and not attribution:
        return [
            {"dataset": root.name, "source": src or root.name, "licence": lic or "unknown", "attribution": att}
            for src, lic, att in sorted(rows)
        ]
    found_licence, found_attribution = licence_from_folder(root)
    return [
        {
            "dataset": root.name,
            "source": root.name,
            "licence": licence or found_licence or "unknown",
            "attribution": attribution or found_attribution or "",
        }
    ]


def licence_from_folder(root: Path) -> tuple[str, str]:
    """The licence and attribution stated by a LICENSE file or README in ``root`` ('' when not stated)."""
    licence = attribution = ""
    for name in ("LICENSE", "LICENCE", "LICENSE.txt", "LICENCE.txt", "LICENSE.md", "LICENCE.md"):
        path = root / name
        if path.is_file():
            first = next((ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()), "")
            licence = first[:200]
            break
    for name in ("README.md", "README.txt", "README", "README.dataset.txt"):
        path = root / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if not licence and (match := _LICENCE.search(text)):
            licence = match.group(1)
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
        source = next((p for p in paragraphs if p.lower().startswith(("source:", "attribution:"))), "")
        attribution = source.replace("**", "").replace("`", "")
        break
    return licence, attribution
