"""Dataset versions: frozen reviewed frames split by site and day, exported as YOLO and COCO zips (logged), and
the split rule itself."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.labelling.models import DatasetExport
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support
from tests.support import labelling as lab

IMAGES = "/api/v1/labelling/images"
DATASETS = "/api/v1/datasets"


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return support.make_settings(migrated_url, tmp_path)


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


@pytest.fixture
def reg(session: Session, w: f.World) -> dict[str, str]:
    return f.bearer(session, "reg_a")


def _image(
    client: TestClient,
    session: Session,
    settings: Settings,
    w: f.World,
    reg: dict[str, str],
    at: datetime,
    site: str = "A1",
    code: str = "no_mask",
) -> dict[str, Any]:
    site_row = {"A1": w.site_a1, "A2": w.site_a2, "B1": w.site_b1}[site]
    alert_id = lab.alert_with_snapshot(session, settings, site_row, w.cameras[site], w.devices[site], code=code, at=at)
    resp = client.post(IMAGES, json={"alert_id": alert_id}, headers=reg)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def _confirm(client: TestClient, reg: dict[str, str], img: dict[str, Any]) -> None:
    assert client.put(f"{IMAGES}/{img['id']}/boxes", json={"boxes": img["boxes"]}, headers=reg).status_code == 200


def test_nothing_reviewed_is_empty(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]
) -> None:
    _image(client, session, settings, w, reg, datetime.now(UTC))  # unreviewed: not frozen
    resp = client.post(DATASETS, json={"name": "口罩", "task": "mask"}, headers=reg)
    assert resp.status_code == 422 and resp.json()["code"] == "empty"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "task": "mask"},
        {"name": "   ", "task": "mask"},
        {"name": "m", "task": "cats"},
        {"name": "m", "task": "mask", "fractions": [0.5, 0.5]},
        {"name": "m", "task": "mask", "fractions": [0, 0, 0]},
        {"name": "m", "task": "mask", "fractions": [1.5, 0, 0]},
        {"name": "m", "task": "mask", "seed": -1},
        {"name": "m\u0000", "task": "mask"},
    ],
)
def test_bad_dataset_requests(client: TestClient, reg: dict[str, str], body: dict[str, Any]) -> None:
    assert client.post(DATASETS, json=body, headers=reg).status_code == 422


def test_freeze_export_yolo_and_versions(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]
) -> None:
    now = datetime.now(UTC)
    first = _image(client, session, settings, w, reg, now - timedelta(days=2))
    second = _image(client, session, settings, w, reg, now - timedelta(days=1), site="A2")
    fp = _image(client, session, settings, w, reg, now)
    _image(client, session, settings, w, reg, now - timedelta(days=3))  # never reviewed: left out
    moved = [{"label": "face_no_mask", "x1": 0.125, "y1": 0.1, "x2": 0.3125, "y2": 0.4}]
    assert (
        client.put(f"{IMAGES}/{first['id']}/boxes", json={"boxes": moved}, headers=reg).json()["status"] == "corrected"
    )
    _confirm(client, reg, second)
    client.post(f"{IMAGES}/{fp['id']}/false-positive", json={}, headers=reg)

    made = client.post(DATASETS, json={"name": "口罩", "task": "mask", "seed": 7}, headers=reg)
    assert made.status_code == 201, made.text
    ds = made.json()
    assert (ds["name"], ds["version"], ds["task"], ds["seed"], ds["images"], ds["boxes"]) == (
        "口罩",
        1,
        "mask",
        7,
        3,
        3,
    )
    assert ds["created_by_name"] == "reg_a" and sum(ds["splits"].values()) == 3
    assert ds["labels"] == {"face_mask": 1, "face_no_mask": 2}
    assert ds["sources"] == [
        {"source": "alert", "licence": "restricted", "attribution": w.site_a1.name, "images": 2},
        {"source": "alert", "licence": "restricted", "attribution": w.site_a2.name, "images": 1},
    ]
    assert client.get(f"{DATASETS}/{ds['id']}", headers=reg).json() == ds

    # Later corrections do not change a frozen version; the next version sees them.
    client.put(f"{IMAGES}/{first['id']}/boxes", json={"boxes": []}, headers=reg)
    again = client.post(DATASETS, json={"name": "口罩", "task": "mask", "seed": 7}, headers=reg).json()
    assert again["version"] == 2 and again["boxes"] == 2
    assert [d["version"] for d in client.get(DATASETS, headers=reg).json()] == [2, 1]

    resp = client.get(f"{DATASETS}/{ds['id']}/export", params={"format": "yolo"}, headers=reg)
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/zip"
    assert f"dataset-{ds['id']}-v1-yolo.zip" in resp.headers["content-disposition"]
    files = lab.unzip(resp.content)
    data = yaml.safe_load(files["data.yaml"])
    assert data == {
        "path": ".",
        "train": "images/train",
        "val": "images/val",
        "test": "images/test",
        "nc": 2,
        "names": ["face_mask", "face_no_mask"],
    }
    split = {int(p.rsplit("/", 1)[1].split(".")[0]): p.split("/")[1] for p in files if p.startswith("images/")}
    assert set(split) == {first["id"], second["id"], fp["id"]}
    # The corrected box, as frozen: class 1, centre and size to 6 decimals.
    assert files[f"labels/{split[first['id']]}/{first['id']}.txt"] == b"1 0.218750 0.250000 0.187500 0.300000\n"
    assert files[f"labels/{split[fp['id']]}/{fp['id']}.txt"] == b""  # a background image
    second_lines = files[f"labels/{split[second['id']]}/{second['id']}.txt"].decode().splitlines()
    assert second_lines == ["1 0.200000 0.225000 0.200000 0.250000", "0 0.575000 0.325000 0.150000 0.250000"]
    assert files[f"images/{split[first['id']]}/{first['id']}.jpg"] == lab.frame_jpeg()
    rows = list(csv.DictReader(io.StringIO(files["sources.csv"].decode())))
    assert {r["file"] for r in rows} == {p for p in files if p.startswith("images/")}
    by_file = {r["file"]: r for r in rows}
    a2 = by_file[f"images/{split[second['id']]}/{second['id']}.jpg"]
    assert (a2["site"], a2["source"], a2["licence"], a2["attribution"]) == ("A2", "alert", "restricted", w.site_a2.name)
    readme = files["README.md"].decode()
    assert "# 口罩 v1" in readme and "restricted" in readme and w.site_a1.name in readme and "images: 3" in readme

    log = client.get(f"{DATASETS}/{ds['id']}/exports", headers=reg).json()
    assert len(log) == 1 and (log[0]["user_name"], log[0]["format"], log[0]["images"]) == ("reg_a", "yolo", 3)
    row = session.scalars(select(DatasetExport)).one()
    assert (row.boxes, row.user_id) == (3, w.users["reg_a"].id)


def test_coco_export_is_valid(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]
) -> None:
    img = _image(client, session, settings, w, reg, datetime.now(UTC))
    _confirm(client, reg, img)
    ds = client.post(DATASETS, json={"name": "coco", "task": "mask", "fractions": [1, 0, 0]}, headers=reg).json()
    assert ds["splits"] == {"train": 1, "val": 0, "test": 0}
    files = lab.unzip(client.get(f"{DATASETS}/{ds['id']}/export", params={"format": "coco"}, headers=reg).content)
    train = json.loads(files["annotations/train.json"])
    assert json.loads(files["annotations/val.json"])["images"] == []
    assert train["categories"] == [
        {"id": 1, "name": "face_mask", "supercategory": "mask"},
        {"id": 2, "name": "face_no_mask", "supercategory": "mask"},
    ]
    (image,) = train["images"]
    assert (image["id"], image["file_name"], image["width"], image["height"]) == (
        img["id"],
        f"{img['id']}.jpg",
        640,
        480,
    )
    assert files[f"images/train/{image['file_name']}"] == lab.frame_jpeg()
    assert train["licenses"][image["license"] - 1]["name"] == "restricted"
    anns = sorted(train["annotations"], key=lambda a: a["category_id"])
    assert [(a["image_id"], a["category_id"], a["bbox"], a["iscrowd"]) for a in anns] == [
        (img["id"], 1, [320.0, 96.0, 96.0, 120.0], 0),
        (img["id"], 2, [64.0, 48.0, 128.0, 120.0], 0),
    ]
    assert len({a["id"] for a in anns}) == 2 and anns[0]["area"] == 96.0 * 120.0
    assert client.get(f"{DATASETS}/{ds['id']}/exports", headers=reg).json()[0]["format"] == "coco"
    assert client.get(f"{DATASETS}/{ds['id']}/export", params={"format": "voc"}, headers=reg).status_code == 422
    assert session.scalar(select(func.count()).select_from(DatasetExport)) == 1


def test_frames_of_one_site_and_day_share_a_split(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]
) -> None:
    """Over many site-days, two frames of the same site and local day (minutes apart, or either side of UTC
    midnight but the same day in Shanghai) always land in the same split, whatever the seed."""
    base = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 01:00 in Shanghai the next day
    pairs = []
    for day in range(8):
        for site, code in (("A1", "no_mask"), ("A2", "no_mask"), ("A1", "fire_smoke")):
            at = base + timedelta(days=day)
            one = _image(client, session, settings, w, reg, at, site=site, code=code)
            # Same local day: 01:00 and 22:00 Shanghai time are on either side of UTC midnight.
            two = _image(client, session, settings, w, reg, at + timedelta(hours=21), site=site, code=code)
            if code == "no_mask":
                pairs.append((one["id"], two["id"]))
            for img in (one, two):
                _confirm(client, reg, img)
    splits_seen = set()
    for seed in range(6):
        ds = client.post(DATASETS, json={"name": "split", "task": "mask", "seed": seed}, headers=reg).json()
        assert ds["images"] == 32
        files = lab.unzip(client.get(f"{DATASETS}/{ds['id']}/export", headers=reg).content)
        split = {int(p.rsplit("/", 1)[1].split(".")[0]): p.split("/")[1] for p in files if p.startswith("images/")}
        for a, b in pairs:
            assert split[a] == split[b]
        splits_seen |= set(split.values())
        rows = list(csv.DictReader(io.StringIO(files["sources.csv"].decode())))
        groups: dict[tuple[str, str], set[str]] = {}
        for r in rows:
            groups.setdefault((r["site"], r["day"]), set()).add(r["file"].split("/")[1])
        assert len(groups) == 16 and all(len(s) == 1 for s in groups.values())
    assert splits_seen == {"train", "val", "test"}


def test_dataset_export_of_a_missing_file_leaves_it_out(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]
) -> None:
    img = _image(client, session, settings, w, reg, datetime.now(UTC))
    _confirm(client, reg, img)
    ds = client.post(DATASETS, json={"name": "gone", "task": "mask"}, headers=reg).json()
    for path in support.stored_files(settings.evidence_dir):
        path.unlink()
    files = lab.unzip(client.get(f"{DATASETS}/{ds['id']}/export", headers=reg).content)
    assert not [p for p in files if p.startswith(("images/", "labels/"))]
    assert f"files are missing: {img['id']}" in files["README.md"].decode()
    assert client.get(f"{DATASETS}/{ds['id']}/exports", headers=reg).json()[0]["images"] == 0
