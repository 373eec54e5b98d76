"""Reading YOLO dataset folders: both layouts, the classes kept, group splits, provenance and clear errors."""

from __future__ import annotations

import csv
import re
import shutil
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from brightkitchen.training.yolo_data import DatasetError, read_dataset, read_labels


def test_the_real_flat_set_keeps_fire_and_smoke_and_drops_default(fire_smoke_dir: Path) -> None:
    data = read_dataset(fire_smoke_dir, labels=["fire", "smoke"])
    assert data.layout == "flat"
    assert data.source_names == ["fire", "default", "smoke"]
    assert data.labels == ["fire", "smoke"]
    assert len(data.samples) == 877
    assert data.box_counts() == {"fire": 331, "smoke": 481}  # the README's counts; the 160 `default` boxes are gone
    counts = data.counts()
    assert sum(counts.values()) == 877 and all(counts[s] > 80 for s in ("val", "test"))
    (source,) = data.data
    assert source["licence"] == "CC BY 4.0"
    assert "custom-thxhn" in source["attribution"] and "fire-wrpgm" in source["attribution"]


def test_no_group_of_near_copies_is_in_two_splits(fire_smoke_dir: Path) -> None:
    data = read_dataset(fire_smoke_dir, labels=["fire", "smoke"], seed=0)
    splits_of: dict[str, set[str]] = defaultdict(set)
    for sample in data.samples:
        splits_of[sample.group].add(sample.split)
    assert all(len(splits) == 1 for splits in splits_of.values())
    assert len(splits_of["fire2_mp4"]) == 1 and len(splits_of) == 613  # 33 frames of one video stay together
    again = read_dataset(fire_smoke_dir, labels=["fire", "smoke"], seed=0)
    assert [s.split for s in again.samples] == [s.split for s in data.samples]
    other = read_dataset(fire_smoke_dir, labels=["fire", "smoke"], seed=1)
    assert [s.split for s in other.samples] != [s.split for s in data.samples]


def test_labels_pick_and_order_the_classes(tiny_flat: Path) -> None:
    both = read_dataset(tiny_flat, labels=["fire", "smoke"])
    swapped = read_dataset(tiny_flat, labels=["smoke", "fire"])
    everything = read_dataset(tiny_flat)
    assert everything.labels == ["fire", "default", "smoke"]
    for a, b, c in zip(both.samples, swapped.samples, everything.samples, strict=True):
        assert a.image == b.image == c.image
        assert np.array_equal(b.classes, 1 - a.classes)  # fire 0 <-> 1, smoke 1 <-> 0
        assert len(c.classes) >= len(a.classes)  # `default` boxes only in the full read
    assert both.box_counts()["fire"] == swapped.box_counts()["fire"] > 0


def test_the_split_layout_keeps_its_splits_and_reads_sources_csv(tiny_split: Path) -> None:
    data = read_dataset(tiny_split, labels=["fire", "smoke"])
    assert data.layout == "split"
    on_disk = {s: len(list((tiny_split / "images" / s).iterdir())) for s in ("train", "val", "test")}
    assert data.counts() == on_disk
    for sample in data.samples:
        assert sample.image.parent.name == sample.split
        assert sample.group.startswith("S") and "/2026-05-0" in sample.group  # site and day from sources.csv
    licences = {(d["source"], d["licence"]) for d in data.data}
    assert licences == {("platform", "proprietary"), ("fire-smoke-train", "CC BY 4.0")}


def test_a_split_export_without_val_gets_one_cut_from_train_by_group(tiny_split: Path) -> None:
    for image in (tiny_split / "images" / "val").iterdir():
        shutil.move(image, tiny_split / "images" / "train" / image.name)
        label = tiny_split / "labels" / "val" / f"{image.stem}.txt"
        shutil.move(label, tiny_split / "labels" / "train" / label.name)
    data = read_dataset(tiny_split)
    assert data.counts()["val"] > 0
    assert {s.split for s in data.samples if s.image.parent.name == "test"} == {"test"}
    by_group: dict[str, set[str]] = defaultdict(set)
    for sample in data.samples:
        if sample.split != "test":
            by_group[sample.group].add(sample.split)
    assert all(len(v) == 1 for v in by_group.values())


def test_flags_name_the_licence_and_attribution(tiny_flat: Path) -> None:
    data = read_dataset(tiny_flat, licence="CC0-1.0", attribution="our own photos")
    assert data.data == [
        {"dataset": tiny_flat.name, "source": tiny_flat.name, "licence": "CC0-1.0", "attribution": "our own photos"}
    ]
    readme = read_dataset(tiny_flat).data[0]
    assert readme["licence"] == "CC BY 4.0" and readme["attribution"].startswith("Source:")


def test_polygons_become_boxes_and_missing_label_files_are_background(tmp_path: Path) -> None:
    label = tmp_path / "a.txt"
    label.write_text("1 0.1 0.2 0.5 0.2 0.5 0.6 0.1 0.6\n\n0 0.5 0.5 0.2 0.4\n")
    boxes, classes = read_labels(label, 2)
    assert classes.tolist() == [1, 0]
    assert np.allclose(boxes, [[0.3, 0.4, 0.4, 0.4], [0.5, 0.5, 0.2, 0.4]])
    boxes, classes = read_labels(tmp_path / "missing.txt", 2)
    assert boxes.shape == (0, 4) and classes.shape == (0,)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda root: shutil.rmtree(root), "is not a folder"),
        (lambda root: (root / "data.yaml").unlink(), "data.yaml is missing"),
        (lambda root: (root / "data.yaml").write_text("nc: 3\n"), "must list the class names"),
        (lambda root: (root / "data.yaml").write_text("names: [fire\n"), "not valid YAML"),
        (lambda root: shutil.rmtree(root / "images"), "has no images/ folder"),
        (lambda root: [p.unlink() for p in (root / "images").iterdir()], "no images"),
        (lambda root: _first_label(root).write_text("0 0.5 0.5 0.2\n"), ":1: expected 'class cx cy w h'"),
        (lambda root: _first_label(root).write_text("0 0.5 0.5 0.2 0.2\n7 0.5 0.5 0.2 0.2\n"), ":2: class 7"),
        (lambda root: _first_label(root).write_text("fire 0.5 0.5 0.2 0.2\n"), ":1: expected 'class cx cy w h'"),
        (lambda root: _first_label(root).write_text("0 0.5 0.5 0 0.2\n"), "positive width and height"),
    ],
)
def test_a_bad_folder_is_refused_with_what_is_wrong(
    tiny_flat: Path, tmp_path: Path, change: Callable[[Path], object], message: str
) -> None:
    root = tmp_path / "copy"
    shutil.copytree(tiny_flat, root)
    change(root)
    with pytest.raises(DatasetError, match=re.escape(message)):
        read_dataset(root, labels=["fire", "smoke"])


def test_unknown_or_repeated_labels_are_refused(tiny_flat: Path) -> None:
    with pytest.raises(DatasetError, match="not found: \\['flame'\\]"):
        read_dataset(tiny_flat, labels=["fire", "flame"])
    with pytest.raises(DatasetError, match="distinct"):
        read_dataset(tiny_flat, labels=["fire", "fire"])


def test_a_sources_csv_without_a_file_column_is_refused(tiny_split: Path) -> None:
    with (tiny_split / "sources.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([["name", "licence"], ["a.jpg", "MIT"]])
    with pytest.raises(DatasetError, match="column 'file'"):
        read_dataset(tiny_split)


def _first_label(root: Path) -> Path:
    return sorted((root / "labels").glob("*.txt"))[0]
