"""Importing YOLO archives: the export comes back with the same boxes, provenance and splits; archives that
are unsafe, oversized or wrong are refused with a clear code and leave nothing behind."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.labelling import zipsafe
from brightkitchen.platform.labelling.models import Dataset, DatasetItem, LabelImage
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support
from tests.support import labelling as lab

IMAGES = "/api/v1/labelling/images"
DATASETS = "/api/v1/datasets"
IMPORT = f"{DATASETS}/import"


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return support.make_settings(migrated_url, tmp_path)


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


@pytest.fixture
def reg(session: Session, w: f.World) -> dict[str, str]:
    return f.bearer(session, "reg_a")


def _form(w: f.World, **kw: Any) -> dict[str, str]:
    base = {
        "name": "公开烟火",
        "task": "fire_smoke",
        "source": "D-Fire (public)",
        "licence": "CC0-1.0",
        "attribution": "Pedro Vinícius de Venâncio",
        "site_id": str(w.site_a1.id),
    }
    return {**base, **{k: str(v) for k, v in kw.items()}}


def _post(client: TestClient, reg: dict[str, str], w: f.World, archive: bytes, **kw: Any) -> Any:
    return client.post(
        IMPORT, headers=reg, data=_form(w, **kw), files={"file": ("set.zip", archive, "application/zip")}
    )


def _nothing_stored(session: Session, settings: Settings) -> None:
    session.expire_all()
    for model in (LabelImage, Dataset, DatasetItem):
        assert session.scalar(select(func.count()).select_from(model)) == 0
    assert support.stored_files(settings.evidence_dir) == []


def test_flat_yolo_import(client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]):
    archive = lab.yolo_zip(
        ["flame", "smoke"],
        {
            "fire_001.jpg": (lab.frame_jpeg(320, 240, 1), "0 0.5 0.5 0.25 0.5\n1 0.1 0.1 0.2 0.2\n"),
            "kitchen.png": (lab.frame_png(64, 48, 2), ""),
            "nolabel.jpg": (lab.frame_jpeg(160, 120, 3), None),
        },
        extra={"README.roboflow.txt": b"ignored"},
    )
    resp = _post(client, reg, w, archive)
    assert resp.status_code == 201, resp.text
    ds = resp.json()
    assert (ds["name"], ds["version"], ds["task"], ds["images"], ds["boxes"]) == ("公开烟火", 1, "fire_smoke", 3, 2)
    assert ds["labels"] == {"fire": 1, "smoke": 1} and sum(ds["splits"].values()) == 3
    assert ds["sources"] == [
        {"source": "D-Fire (public)", "licence": "CC0-1.0", "attribution": "Pedro Vinícius de Venâncio", "images": 3}
    ]
    page = client.get(IMAGES, params={"task": "fire_smoke", "sort": "id"}, headers=reg).json()
    assert [(i["source"], i["status"], i["site_id"], i["reviewed_by_name"]) for i in page["items"]] == [
        ("import", "confirmed", w.site_a1.id, "reg_a")
    ] * 3
    fire = page["items"][0]
    assert (fire["width"], fire["height"], fire["camera_id"]) == (320, 240, None)
    assert fire["boxes"] == [
        {"label": "fire", "x1": 0.375, "y1": 0.25, "x2": 0.625, "y2": 0.75},
        {"label": "smoke", "x1": 0.0, "y1": 0.0, "x2": 0.2, "y2": 0.2},
    ]
    assert client.get(fire["image_url"], headers=reg).content == lab.frame_jpeg(320, 240, 1)


def test_export_import_round_trip(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]
) -> None:
    originals = []
    for day in (1, 2, 3, 4):
        alert = lab.alert_with_snapshot(
            session, settings, w.site_a1, w.cameras["A1"], w.devices["A1"], at=datetime(2026, 4, day, 2, tzinfo=UTC)
        )
        img = client.post(IMAGES, json={"alert_id": alert}, headers=reg).json()
        boxes = [{"label": "face_no_mask", "x1": 0.123457, "y1": 0.2, "x2": 0.654321, "y2": 0.9 - day / 100}]
        client.put(f"{IMAGES}/{img['id']}/boxes", json={"boxes": boxes}, headers=reg)
        originals.append(img["id"])
    ds = client.post(DATASETS, json={"name": "mask", "task": "mask", "seed": 3}, headers=reg).json()
    exported = client.get(f"{DATASETS}/{ds['id']}/export", headers=reg).content

    resp = _post(
        client,
        reg,
        w,
        exported,
        name="mask-back",
        task="mask",
        source="our export",
        licence="CC-BY-4.0",
        attribution="someone",
    )
    assert resp.status_code == 201, resp.text
    back = resp.json()
    # The same counts, splits and provenance (sources.csv wins over the form's defaults).
    for key in ("images", "boxes", "splits", "labels", "sources"):
        assert back[key] == ds[key], key
    before = lab.unzip(exported)
    after = lab.unzip(client.get(f"{DATASETS}/{back['id']}/export", headers=reg).content)

    def labels(files: dict[str, bytes]) -> list[tuple[str, bytes]]:
        return sorted((p.split("/")[1], files[p]) for p in files if p.startswith("labels/"))

    assert labels(after) == labels(before)  # the same label lines, split by split
    assert sorted(v for p, v in after.items() if p.startswith("images/")) == sorted(
        v for p, v in before.items() if p.startswith("images/")
    )
    rows_before = sorted(r.split(",", 1)[1] for r in before["sources.csv"].decode().splitlines()[1:])
    rows_after = sorted(r.split(",", 1)[1] for r in after["sources.csv"].decode().splitlines()[1:])
    assert rows_after == rows_before  # site, day, source, licence, attribution kept per image
    # A new dataset over both keeps an imported frame's group (its original site and day) with its twin.
    both = client.post(DATASETS, json={"name": "both", "task": "mask", "seed": 11}, headers=reg).json()
    assert both["images"] == 8
    files = lab.unzip(client.get(f"{DATASETS}/{both['id']}/export", headers=reg).content)
    split_of_day: dict[str, set[str]] = {}
    for line in files["sources.csv"].decode().splitlines()[1:]:
        path, _site, day = line.split(",")[:3]
        split_of_day.setdefault(day, set()).add(path.split("/")[1])
    assert len(split_of_day) == 4 and all(len(s) == 1 for s in split_of_day.values())


def test_unknown_class_names_are_listed(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]
) -> None:
    archive = lab.yolo_zip(["fire", "car", "dog"], {"a.jpg": (lab.frame_jpeg(), "0 0.5 0.5 0.1 0.1\n")})
    resp = _post(client, reg, w, archive)
    assert resp.status_code == 422 and resp.json()["code"] == "unknown_label"
    assert "car, dog" in resp.json()["detail"]
    _nothing_stored(session, settings)


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


DATA_YAML = b"names: [fire, smoke]\n"


@pytest.mark.parametrize(
    ("archive", "status", "code"),
    [
        (b"PK\x03\x04 not really a zip", 422, "bad_zip"),
        (lab.frame_jpeg(), 422, "bad_zip"),
        (_zip({"data.yaml": DATA_YAML, "../../etc/evil.jpg": b"x"}), 422, "unsafe_path"),
        (_zip({"data.yaml": DATA_YAML, "/abs/images/a.jpg": b"x"}), 422, "unsafe_path"),
        (_zip({"data.yaml": DATA_YAML, "images\\..\\a.jpg": b"x"}), 422, "unsafe_path"),
        (_zip({"data.yaml": DATA_YAML, "C:/images/a.jpg": b"x"}), 422, "unsafe_path"),
        (_zip({"data.yaml": DATA_YAML, "images/bomb.jpg": b"\x00" * (8 * 1024 * 1024)}), 422, "zip_bomb"),
        (_zip({"images/a.jpg": lab.frame_jpeg()}), 422, "bad_layout"),
        (_zip({"data.yaml": b"names: [fire\n", "images/a.jpg": lab.frame_jpeg()}), 422, "bad_layout"),
        (_zip({"data.yaml": b"nc: 3\nnames: [fire, smoke]\n", "images/a.jpg": lab.frame_jpeg()}), 422, "bad_layout"),
        (_zip({"data.yaml": DATA_YAML, "labels/a.txt": b"0 0.5 0.5 0.1 0.1\n"}), 422, "bad_layout"),
        (_zip({"data.yaml": DATA_YAML, "images/a.jpg": lab.frame_jpeg(), "labels/b.txt": b""}), 422, "bad_layout"),
        (
            _zip({"data.yaml": DATA_YAML, "images/a.jpg": lab.frame_jpeg(), "labels/a.txt": b"2 0.5 0.5 0.1 0.1"}),
            422,
            "bad_label",
        ),
        (
            _zip({"data.yaml": DATA_YAML, "images/a.jpg": lab.frame_jpeg(), "labels/a.txt": b"0 0.95 0.5 0.2 0.1"}),
            422,
            "bad_label",
        ),
        (
            _zip({"data.yaml": DATA_YAML, "images/a.jpg": lab.frame_jpeg(), "labels/a.txt": b"0 0.5 0.5 0.1 0.1 0.3"}),
            422,
            "bad_label",
        ),
        (
            _zip({"data.yaml": DATA_YAML, "images/a.jpg": lab.frame_jpeg(), "labels/a.txt": b"0 nan 0.5 0.1 0.1"}),
            422,
            "bad_label",
        ),
        (_zip({"data.yaml": DATA_YAML, "images/a.jpg": lab.frame_jpeg()[:3000]}), 422, "bad_image"),
        (_zip({"data.yaml": DATA_YAML, "images/a.jpg": lab.frame_jpeg(), "images/b.jpg": b"GIF89a"}), 422, "bad_image"),
    ],
)
def test_bad_archives_are_refused_and_leave_nothing(
    client: TestClient,
    session: Session,
    settings: Settings,
    w: f.World,
    reg: dict[str, str],
    archive: bytes,
    status: int,
    code: str,
) -> None:
    resp = _post(client, reg, w, archive)
    assert resp.status_code == status, resp.text
    assert resp.json()["code"] == code
    _nothing_stored(session, settings)


def test_a_bad_image_late_in_the_archive_removes_the_files_already_written(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]
) -> None:
    images = {f"train/{n:03}.jpg": (lab.frame_jpeg(64, 48, n), "0 0.5 0.5 0.2 0.2\n") for n in range(5)}
    images["train/999.jpg"] = (lab.frame_jpeg(64, 48)[:-300], "")
    resp = _post(client, reg, w, lab.yolo_zip(["fire", "smoke"], images))
    assert resp.status_code == 422 and resp.json()["code"] == "bad_image"
    assert "999.jpg" in resp.json()["errors"][0]["field"]
    _nothing_stored(session, settings)


def test_limits_on_members_and_size(
    client: TestClient,
    session: Session,
    settings: Settings,
    w: f.World,
    reg: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(zipsafe, "MAX_MEMBERS", 10)
    many = _zip({"data.yaml": DATA_YAML, **{f"images/{n}.jpg": lab.frame_jpeg() for n in range(10)}})
    resp = _post(client, reg, w, many)
    assert resp.status_code == 422 and resp.json()["code"] == "too_many_files"
    monkeypatch.setattr(zipsafe, "MAX_TOTAL_BYTES", 100_000)
    big = _zip({"data.yaml": DATA_YAML, **{f"images/{n}.jpg": lab.frame_jpeg() for n in range(5)}}, zipfile.ZIP_STORED)
    resp = _post(client, reg, w, big)
    assert resp.status_code == 413 and resp.json()["code"] == "too_large"
    over = client.post(IMPORT, headers={**reg, "Content-Length": str(settings.max_upload_bytes + 1)}, content=b"x" * 10)
    assert over.status_code == 413
    _nothing_stored(session, settings)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"task": "birds"}, "task"),
        ({"site_id": "x"}, "site_id"),
        ({"licence": ""}, "licence"),
        ({"source": "s" * 201}, "source"),
    ],
)
def test_import_form_errors(
    client: TestClient,
    session: Session,
    settings: Settings,
    w: f.World,
    reg: dict[str, str],
    change: dict[str, str],
    field: str,
) -> None:
    archive = lab.yolo_zip(["fire"], {"a.jpg": (lab.frame_jpeg(), "")})
    resp = client.post(IMPORT, headers=reg, data={**_form(w), **change}, files={"file": ("a.zip", archive)})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == field
    _nothing_stored(session, settings)


def test_roboflow_layout_and_a_wrapping_folder(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]
) -> None:
    archive = _zip(
        {
            "fire-v3/data.yaml": b"names:\n  0: fire\n  1: smoke\nnc: 2\n",
            "fire-v3/train/images/x_jpg.rf.0a1b.jpg": lab.frame_jpeg(64, 48, 1),
            "fire-v3/train/labels/x_jpg.rf.0a1b.txt": b"1 0.5 0.5 0.5 0.5\n",
            "fire-v3/valid/images/y.jpg": lab.frame_jpeg(64, 48, 2),
            "fire-v3/test/images/z.jpg": lab.frame_jpeg(64, 48, 3),
        }
    )
    resp = _post(client, reg, w, archive)
    assert resp.status_code == 201, resp.text
    assert resp.json()["splits"] == {"train": 1, "val": 1, "test": 1}
    assert resp.json()["labels"] == {"fire": 0, "smoke": 1}
