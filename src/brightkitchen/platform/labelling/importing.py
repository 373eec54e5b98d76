"""Importing a YOLO archive (the export layout, ``{split}/images``, or flat ``images/`` ``labels/``) as confirmed
frames of one site and a new dataset version. Everything is checked before the first file is written, and any
failure after that removes what was written: an import happens whole or not at all."""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.labelling import boxes as bx
from brightkitchen.platform.labelling.datasets import Entry, local_day, save_version
from brightkitchen.platform.labelling.frames import MAX_IMAGE_BYTES
from brightkitchen.platform.labelling.images import discard, frame_of, person_name, store_image
from brightkitchen.platform.labelling.models import Dataset, ImageSource, ImageStatus, LabelImage
from brightkitchen.platform.labelling.vocab import Task, map_label
from brightkitchen.platform.labelling.zipsafe import checked_members, open_archive, read_member, refused
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.storage.base import EvidenceStore
from brightkitchen.platform.tenancy import get_visible
from brightkitchen.training.splits import DEFAULT_FRACTIONS, Split, group_of, site_day_group

MAX_TEXT_BYTES = 1024 * 1024  # data.yaml, one label file, sources.csv
SPLIT_NAMES: dict[str, Split] = {"train": "train", "val": "val", "valid": "val", "test": "test"}
_SPLIT = r"(?P<split>train|val|valid|test)"
_IMAGE = [
    re.compile(rf"^images/(?:{_SPLIT}/)?(?P<stem>[^/]+)\.(?:jpe?g|png)$", re.IGNORECASE),
    re.compile(rf"^{_SPLIT}/images/(?P<stem>[^/]+)\.(?:jpe?g|png)$", re.IGNORECASE),
]
_LABEL = [
    re.compile(rf"^labels/(?:{_SPLIT}/)?(?P<stem>[^/]+)\.txt$", re.IGNORECASE),
    re.compile(rf"^{_SPLIT}/labels/(?P<stem>[^/]+)\.txt$", re.IGNORECASE),
]


@dataclass(frozen=True)
class ImportForm:
    name: str
    task: Task
    source: str
    licence: str
    attribution: str
    site_id: int


@dataclass
class Planned:
    """One image of the archive, checked, before anything is written."""

    info: zipfile.ZipInfo
    path: str  # relative to the archive's root, as sources.csv names it
    split: Split | None
    stem: str
    boxes: list[bx.RelBox] = field(default_factory=list)
    provenance: dict[str, str] = field(default_factory=dict)


def _layout(detail: str) -> Problem:
    return refused(422, "bad_layout", detail)


def _match(patterns: Sequence[re.Pattern[str]], path: str) -> tuple[Split | None, str] | None:
    for pattern in patterns:
        m = pattern.match(path)
        if m:
            split = m.group("split")
            return (SPLIT_NAMES[split.lower()] if split else None), m.group("stem")
    return None


def _root(files: Sequence[zipfile.ZipInfo]) -> tuple[str, zipfile.ZipInfo]:
    """The folder holding data.yaml (the archive may wrap everything in one top folder)."""
    found = [i for i in files if i.filename.rsplit("/", 1)[-1].lower() in ("data.yaml", "data.yml")]
    if len(found) != 1:
        raise _layout("the archive needs exactly one data.yaml" if found else "the archive has no data.yaml")
    return found[0].filename[: -len(found[0].filename.rsplit("/", 1)[-1])], found[0]


def _text(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    try:
        return read_member(zf, info, MAX_TEXT_BYTES).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _layout(f"'{info.filename[:200]}' is not UTF-8 text") from exc


def class_names(raw: str, task: Task) -> list[str]:
    """data.yaml's names, each mapped into the task's vocabulary; 422 ``unknown_label`` lists the ones that don't."""
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise _layout("data.yaml is not valid YAML") from exc
    names: Any = doc.get("names") if isinstance(doc, dict) else None
    if isinstance(names, dict) and all(isinstance(k, int) for k in names):
        names = [names[k] for k in sorted(names)] if sorted(names) == list(range(len(names))) else None
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise _layout("data.yaml needs names: a list of class names")
    nc = doc.get("nc")
    if nc is not None and nc != len(names):
        raise _layout(f"data.yaml says nc: {nc} but lists {len(names)} names")
    mapped = [map_label(task, n) for n in names]
    unknown = [n for n, m in zip(names, mapped, strict=True) if m is None]
    if unknown:
        listed = ", ".join(unknown[:50])
        raise Problem(
            422,
            "Unknown label",
            f"class names not in the {task} vocabulary: {listed}",
            code="unknown_label",
            errors=[{"field": "file", "message": f"unknown class '{n}'"} for n in unknown[:50]],
        )
    return [m for m in mapped if m is not None]


def label_boxes(raw: str, names: Sequence[str], where: str) -> list[bx.RelBox]:
    """One label file: ``class cx cy w h`` per line, relative; a blank file is a frame with nothing in it."""
    out = []
    for n, line in enumerate(raw.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        box = None
        if len(parts) == 5 and parts[0].isdigit() and int(parts[0]) < len(names):
            try:
                cx, cy, w, h = (float(p) for p in parts[1:])
            except ValueError:
                cx = cy = w = h = math.nan
            if all(math.isfinite(v) for v in (cx, cy, w, h)):
                box = bx.from_yolo(names[int(parts[0])], cx, cy, w, h)
        if box is None:
            raise refused(422, "bad_label", f"{where} line {n}: expected 'class cx cy w h' inside the frame")
        out.append(box)
        if len(out) > bx.MAX_BOXES:
            raise refused(422, "bad_label", f"{where}: more than {bx.MAX_BOXES} boxes")
    return out


def _provenance(raw: str) -> dict[str, dict[str, str]]:
    """sources.csv rows by file: the provenance an earlier export carried, kept through the import."""
    rows: dict[str, dict[str, str]] = {}
    limits = {"site": 64, "day": 10, "source": 200, "licence": 64, "attribution": 500}
    for n, row in enumerate(csv.DictReader(io.StringIO(raw)), start=2):
        if not row.get("file"):
            continue
        values = {k: (row.get(k) or "").strip() for k in limits}
        too_long = [k for k, v in values.items() if len(v) > limits[k]]
        if too_long:
            raise _layout(f"sources.csv line {n}: '{too_long[0]}' is longer than {limits[too_long[0]]}")
        if values["day"]:
            try:
                date.fromisoformat(values["day"])
            except ValueError as exc:
                raise _layout(f"sources.csv line {n}: day must be YYYY-MM-DD") from exc
        rows[row["file"].strip()] = values
    return rows


def plan(zf: zipfile.ZipFile, task: Task) -> list[Planned]:
    """Every image of the archive with its boxes and provenance, all checked; nothing is written yet."""
    files = checked_members(zf)
    root, yaml_info = _root(files)
    names = class_names(_text(zf, yaml_info), task)
    images: dict[tuple[Split | None, str], Planned] = {}
    labels: dict[tuple[Split | None, str], zipfile.ZipInfo] = {}
    sources: dict[str, dict[str, str]] = {}
    for info in files:
        if not info.filename.startswith(root):
            continue
        path = info.filename[len(root) :]
        if path.lower() == "sources.csv":
            sources = _provenance(_text(zf, info))
        elif (hit := _match(_IMAGE, path)) is not None:
            if hit in images:
                raise _layout(f"two images named '{hit[1]}' in one folder")
            images[hit] = Planned(info, path, hit[0], hit[1])
        elif (hit := _match(_LABEL, path)) is not None:
            labels[hit] = info
    if not images:
        raise _layout("the archive has no images (images/*.jpg or images/{split}/*.jpg)")
    orphans = sorted(info.filename for key, info in labels.items() if key not in images)
    if orphans:
        raise _layout(f"label files without an image: {', '.join(o[:200] for o in orphans[:5])}")
    for key, planned in images.items():
        if key in labels:
            planned.boxes = label_boxes(_text(zf, labels[key]), names, labels[key].filename[:200])
        planned.provenance = sources.get(planned.path, {})
    return sorted(images.values(), key=lambda p: p.path)


def _captured(day: str, tz: ZoneInfo, now: datetime) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(12), tz) if day else now


def import_archive(
    session: Session,
    store: EvidenceStore,
    principal: Principal,
    fh: IO[bytes],
    form: ImportForm,
    tz: ZoneInfo,
    now: datetime,
) -> Dataset:
    site = get_visible(session, principal, Site, form.site_id, "site")
    reviewer = person_name(session, principal)
    written: list[str] = []
    try:
        with open_archive(fh) as zf:
            planned = plan(zf, form.task)
            entries = []
            for p in planned:
                frame = frame_of(read_member(zf, p.info, MAX_IMAGE_BYTES), f"file:{p.path[:200]}")
                prov = p.provenance
                day = prov.get("day", "")
                group = site_day_group(prov["site"], day) if prov.get("site") and day else f"import:{group_of(p.stem)}"
                row = LabelImage(
                    task=form.task,
                    source=ImageSource.imported,
                    origin=prov.get("source") or form.source,
                    site_id=site.id,
                    captured_at=_captured(day, tz, now),
                    boxes=[b.as_dict() for b in p.boxes],
                    dropped_labels=[],
                    licence=prov.get("licence") or form.licence,
                    attribution=prov.get("attribution") or form.attribution,
                    group_key=group[:200],
                    status=ImageStatus.confirmed,
                    reviewed_by=principal.id,
                    reviewed_by_name=reviewer,
                    reviewed_at=now,
                    created_by=principal.id,
                    created_at=now,
                )
                store_image(session, store, frame, row, now)
                written.append(row.storage_key)
                entries.append(Entry(row, site.code, day or local_day(now, tz), group, p.split))
            return save_version(
                session,
                principal,
                name=form.name,
                task=form.task,
                seed=0,
                fractions=DEFAULT_FRACTIONS,
                entries=entries,
                now=now,
            )
    except BaseException:
        discard(store, written)
        raise
