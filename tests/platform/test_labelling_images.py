"""Frames to label: from an alert (its snapshot and mapped boxes), a camera's latest picture, or an upload;
reviews (confirm, correct, false positive) with their history; bad input refused with its code."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.labelling import images
from brightkitchen.platform.labelling.models import LabelImage, LabelReview
from brightkitchen.platform.roles import Role
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera
from brightkitchen.platform.storage import build_store
from brightkitchen.platform.storage.reclaim import reclaim_orphans
from tests import factories as f
from tests import support
from tests.support import labelling as lab

IMAGES = "/api/v1/labelling/images"


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return support.make_settings(migrated_url, tmp_path)


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


@pytest.fixture
def reg(session: Session, w: f.World) -> dict[str, str]:
    return f.bearer(session, "reg_a")


def _alert(session: Session, settings: Settings, w: f.World, **kw: Any) -> int:
    return lab.alert_with_snapshot(session, settings, w.site_a1, w.cameras["A1"], w.devices["A1"], **kw)


def test_vocabularies_in_class_order(client: TestClient, reg: dict[str, str]) -> None:
    resp = client.get("/api/v1/labelling/vocabularies", headers=reg)
    assert resp.status_code == 200
    by_task = {v["task"]: v for v in resp.json()}
    assert [v["task"] for v in resp.json()] == ["fire_smoke", "mask", "kitchen"]
    assert [x["label"] for x in by_task["kitchen"]["labels"]] == [
        "person",
        "chef_hat",
        "no_chef_hat",
        "uniform",
        "no_uniform",
        "cell_phone",
        "cigarette",
        "rodent",
        "bin_open",
    ]
    assert by_task["mask"]["labels"][1] == {
        "label": "face_no_mask",
        "name_zh": "未戴口罩的脸",
        "name_en": "Face without mask",
        "code": "no_mask",
    }
    assert by_task["mask"]["labels"][0]["code"] is None
    assert by_task["fire_smoke"]["name_zh"] == "烟火"


def test_alert_frame_with_mapped_boxes_is_idempotent(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]
) -> None:
    alert_id = _alert(session, settings, w)
    first = client.post(IMAGES, json={"alert_id": alert_id}, headers=reg)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["task"] == "mask" and body["source"] == "alert" and body["status"] == "unreviewed"
    assert (body["alert_id"], body["site_id"], body["camera_id"]) == (alert_id, w.site_a1.id, w.cameras["A1"].id)
    assert body["site_name"] == w.site_a1.name and body["camera_name"] == w.cameras["A1"].name
    assert (body["width"], body["height"]) == (640, 480)
    # Pixels of the 640x480 frame become relative; person (not a mask label) and the undecided face are dropped.
    assert body["boxes"] == [
        {"label": "face_no_mask", "x1": 0.1, "y1": 0.1, "x2": 0.3, "y2": 0.35},
        {"label": "face_mask", "x1": 0.5, "y1": 0.2, "x2": 0.65, "y2": 0.45},
    ]
    assert body["dropped_labels"] == ["person", "face"]
    assert body["licence"] == "restricted" and body["attribution"] == w.site_a1.name
    assert body["image_url"] == f"{IMAGES}/{body['id']}/file" and body["history_count"] == 0
    file = client.get(body["image_url"], headers=reg)
    assert file.status_code == 200 and file.headers["content-type"] == "image/jpeg"
    assert file.content == lab.frame_jpeg()  # the edge's original frame, byte for byte
    again = client.post(IMAGES, json={"alert_id": alert_id}, headers=reg)
    assert again.status_code == 200 and again.json() == body
    assert session.scalar(select(func.count()).select_from(LabelImage)) == 1


def test_alert_boxes_follow_the_analysed_frame_and_task(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]
) -> None:
    # The snapshot is twice the analysed frame: boxes are relative to the frame they were found in.
    boxes = [
        {"label": "flame", "score": 0.9, "x1": 32.0, "y1": 24.0, "x2": 160.0, "y2": 120.0},
        {"label": "person", "score": 0.8, "x1": 0.0, "y1": 0.0, "x2": 10.0, "y2": 10.0},
    ]
    alert_id = _alert(
        session,
        settings,
        w,
        code="stove_unattended",
        boxes=boxes,
        width=320,
        height=240,
        snapshot=lab.frame_jpeg(640, 480),
    )
    body = client.post(IMAGES, json={"alert_id": alert_id}, headers=reg).json()
    assert body["task"] == "fire_smoke" and (body["width"], body["height"]) == (640, 480)
    assert body["boxes"] == [{"label": "fire", "x1": 0.1, "y1": 0.1, "x2": 0.5, "y2": 0.5}]
    assert body["dropped_labels"] == ["person"]
    phone = _alert(
        session,
        settings,
        w,
        code="phone_use",
        boxes=[{"label": "cell_phone", "score": 0.7, "x1": 600.0, "y1": 400.0, "x2": 700.0, "y2": 500.0}],
    )
    kitchen = client.post(IMAGES, json={"alert_id": phone}, headers=reg).json()
    # A box past the frame's edge is clamped to it.
    assert kitchen["task"] == "kitchen"
    assert kitchen["boxes"] == [{"label": "cell_phone", "x1": 0.9375, "y1": 0.833333333, "x2": 1.0, "y2": 1.0}]


def test_alert_without_snapshot_is_refused(
    client: TestClient, session: Session, w: f.World, reg: dict[str, str]
) -> None:
    bare = f.alert(session, w.site_a1, w.cameras["A1"])
    resp = client.post(IMAGES, json={"alert_id": bare.id}, headers=reg)
    assert resp.status_code == 422 and resp.json()["code"] == "no_snapshot"
    assert session.scalar(select(func.count()).select_from(LabelImage)) == 0


def test_camera_picture_and_upload(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]
) -> None:
    cam = w.cameras["A1"]
    none_yet = client.post(IMAGES, json={"camera_id": cam.id, "task": "kitchen"}, headers=reg)
    assert none_yet.status_code == 422 and none_yet.json()["code"] == "no_picture"
    picture = lab.frame_jpeg(320, 240, seed=4)
    sent = client.put(
        f"/api/v1/device/cameras/{cam.key}/picture",
        content=picture,
        headers={**support.device_headers(w.device_keys["A1"]), "Content-Type": "image/jpeg"},
    )
    assert sent.status_code == 204, sent.text
    made = client.post(IMAGES, json={"camera_id": cam.id, "task": "kitchen"}, headers=reg)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["source"], body["task"], body["boxes"], body["alert_id"]) == ("picture", "kitchen", [], None)
    assert (body["width"], body["height"]) == (320, 240)
    assert client.get(body["image_url"], headers=reg).content == picture

    when = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    png = lab.frame_png(64, 48)
    up = client.post(
        f"{IMAGES}/upload",
        headers=reg,
        data={"camera_id": str(cam.id), "task": "mask", "captured_at": when.isoformat()},
        files={"image": ("grab.png", png, "image/png")},
    )
    assert up.status_code == 201, up.text
    got = up.json()
    assert (got["source"], got["task"], got["width"], got["height"]) == ("upload", "mask", 64, 48)
    assert datetime.fromisoformat(got["captured_at"]) == when
    stored = client.get(got["image_url"], headers=reg)
    assert stored.content[:3] == b"\xff\xd8\xff" and lab.decoded_size(stored.content) == (64, 48)  # PNG stored as JPEG


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not an image at all", "bad_image"),
        (lab.frame_jpeg()[:2000], "bad_image"),  # cut short
        (b"\xff\xd8\xff\xe0" + b"\x00" * 200 + b"\xff\xd9", "bad_image"),  # a JPEG by its magic, nothing inside
        (lab.frame_png()[:-20], "bad_image"),
    ],
)
def test_malformed_upload_is_refused_and_nothing_kept(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str], data: bytes, code: str
) -> None:
    resp = client.post(
        f"{IMAGES}/upload",
        headers=reg,
        data={"camera_id": str(w.cameras["A1"].id), "task": "mask"},
        files={"image": ("x.jpg", data, "image/jpeg")},
    )
    assert resp.status_code == 422 and resp.json()["code"] == code
    assert session.scalar(select(func.count()).select_from(LabelImage)) == 0
    assert support.stored_files(settings.evidence_dir) == []


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"task": "mask"}, "camera_id"),
        ({"camera_id": "abc", "task": "mask"}, "camera_id"),
        ({"camera_id": "1", "task": "birds"}, "task"),
        ({"camera_id": "1", "task": "mask", "captured_at": "yesterday"}, "captured_at"),
        ({"camera_id": "1", "task": "mask", "captured_at": "2026-05-01T08:30:00"}, "captured_at"),
    ],
)
def test_upload_form_errors_name_the_field(
    client: TestClient, w: f.World, reg: dict[str, str], form: dict[str, str], field: str
) -> None:
    resp = client.post(f"{IMAGES}/upload", headers=reg, data=form, files={"image": ("x.jpg", lab.frame_jpeg())})
    assert resp.status_code == 422
    assert resp.json()["code"] == "invalid" and resp.json()["errors"][0]["field"] == field


def test_upload_over_the_image_limit_is_413(client: TestClient, w: f.World, reg: dict[str, str]) -> None:
    big = lab.frame_jpeg() + b"\x00" * (16 * 1024 * 1024)
    resp = client.post(
        f"{IMAGES}/upload",
        headers=reg,
        data={"camera_id": str(w.cameras["A1"].id), "task": "mask"},
        files={"image": ("x.jpg", big)},
    )
    assert resp.status_code == 413 and resp.json()["code"] == "too_large"


def _image(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str], days_ago: int = 0
) -> dict[str, Any]:
    # A day apart, so each event opens its own alert instead of joining the camera's episode.
    at = datetime.now(UTC) - timedelta(days=days_ago)
    resp = client.post(IMAGES, json={"alert_id": _alert(session, settings, w, at=at)}, headers=reg)
    assert resp.status_code == 201
    return dict(resp.json())


def test_confirm_correct_and_false_positive_keep_history(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]
) -> None:
    img = _image(client, session, settings, w, reg)
    url = f"{IMAGES}/{img['id']}"
    same = client.put(f"{url}/boxes", json={"boxes": list(reversed(img["boxes"]))}, headers=reg)
    assert same.status_code == 200 and same.json()["status"] == "confirmed"
    assert same.json()["reviewed_by_name"] == "reg_a" and same.json()["history_count"] == 1
    moved = [{"label": "face_no_mask", "x1": 0.12, "y1": 0.1, "x2": 0.3, "y2": 0.36}, img["boxes"][1]]
    corrected = client.put(f"{url}/boxes", json={"boxes": moved, "note": "moved"}, headers=reg)
    assert corrected.json()["status"] == "corrected" and corrected.json()["boxes"] == moved
    fp = client.post(f"{url}/false-positive", json={"note": "a poster"}, headers=reg)
    assert fp.json()["status"] == "false_positive" and fp.json()["boxes"] == []
    history = client.get(f"{url}/history", headers=reg).json()
    assert [(h["previous_status"], h["status"], h["note"]) for h in history] == [
        ("unreviewed", "confirmed", ""),
        ("confirmed", "corrected", "moved"),
        ("corrected", "false_positive", "a poster"),
    ]
    assert history[1]["previous_boxes"] == list(reversed(img["boxes"])) and history[1]["boxes"] == moved
    assert history[2]["previous_boxes"] == moved and history[2]["boxes"] == []
    assert {h["user_name"] for h in history} == {"reg_a"}
    assert client.get(url, headers=reg).json()["history_count"] == 3


@pytest.mark.parametrize(
    ("boxes", "code", "field"),
    [
        ([{"label": "cat", "x1": 0.1, "y1": 0.1, "x2": 0.2, "y2": 0.2}], "unknown_label", "boxes.0.label"),
        ([{"label": "person", "x1": 0.1, "y1": 0.1, "x2": 0.2, "y2": 0.2}], "unknown_label", "boxes.0.label"),
        ([{"label": "face_mask", "x1": -0.1, "y1": 0.1, "x2": 0.2, "y2": 0.2}], "bad_box", "boxes.0"),
        ([{"label": "face_mask", "x1": 0.1, "y1": 0.1, "x2": 1.2, "y2": 0.2}], "bad_box", "boxes.0"),
        ([{"label": "face_mask", "x1": 0.3, "y1": 0.1, "x2": 0.3, "y2": 0.2}], "bad_box", "boxes.0"),
        (
            [
                {"label": "face_mask", "x1": 0.1, "y1": 0.1, "x2": 0.2, "y2": 0.2},
                {"label": "face_mask", "x1": 0.5, "y1": 0.4, "x2": 0.6, "y2": 0.3},
            ],
            "bad_box",
            "boxes.1",
        ),
    ],
)
def test_bad_boxes_are_refused_and_nothing_changes(
    client: TestClient,
    session: Session,
    settings: Settings,
    w: f.World,
    reg: dict[str, str],
    boxes: list[dict[str, Any]],
    code: str,
    field: str,
) -> None:
    img = _image(client, session, settings, w, reg)
    resp = client.put(f"{IMAGES}/{img['id']}/boxes", json={"boxes": boxes}, headers=reg)
    assert resp.status_code == 422 and resp.json()["code"] == code
    assert resp.json()["errors"][0]["field"] == field
    assert client.get(f"{IMAGES}/{img['id']}", headers=reg).json() == img
    assert session.scalar(select(func.count()).select_from(LabelReview)) == 0


def test_list_filters_pages_and_sorts(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]
) -> None:
    ids = [_image(client, session, settings, w, reg, days_ago=3 - i)["id"] for i in range(3)]
    client.post(f"{IMAGES}/{ids[0]}/false-positive", json={}, headers=reg)
    page = client.get(IMAGES, params={"page_size": 2}, headers=reg).json()
    assert (page["total"], page["size"], [i["id"] for i in page["items"]]) == (3, 2, ids[:0:-1])
    assert [i["id"] for i in client.get(IMAGES, params={"sort": "id"}, headers=reg).json()["items"]] == ids
    fps = client.get(IMAGES, params={"status": "false_positive"}, headers=reg).json()
    assert [i["id"] for i in fps["items"]] == [ids[0]]
    assert client.get(IMAGES, params={"task": "kitchen"}, headers=reg).json()["total"] == 0
    assert client.get(IMAGES, params={"site_id": w.site_a2.id}, headers=reg).json()["total"] == 0
    assert client.get(IMAGES, params={"sort": "colour"}, headers=reg).status_code == 422
    assert client.get(IMAGES, params={"status": "done"}, headers=reg).status_code == 422


def test_reclaim_keeps_label_frames(
    client: TestClient, session: Session, settings: Settings, w: f.World, reg: dict[str, str]
) -> None:
    img = _image(client, session, settings, w, reg)
    later = (datetime.now(UTC) + timedelta(days=1)).timestamp()
    reclaim_orphans(session, settings.evidence_dir, now=later)
    resp = client.get(img["image_url"], headers=reg)
    assert resp.status_code == 200
    key = session.scalars(select(LabelImage.storage_key)).one()
    assert hashlib.sha256(resp.content).hexdigest() == session.scalars(select(LabelImage.sha256)).one()
    assert (settings.evidence_dir / key).is_file()


def test_camera_picture_of_a_camera_without_site_scope_is_404(
    client: TestClient, session: Session, w: f.World, reg: dict[str, str]
) -> None:
    other: Camera = w.cameras["B1"]
    resp = client.post(IMAGES, json={"camera_id": other.id, "task": "kitchen"}, headers=reg)
    assert resp.status_code == 404


def test_the_same_alert_taken_twice_at_once_makes_one_image(
    ctx: PlatformContext, session: Session, settings: Settings, w: f.World
) -> None:
    """Two reviewers take the same alert at the same moment: the second one's insert meets the first one's row
    and answers that image; no second row, no second file."""
    alert_id = _alert(session, settings, w)
    principal = Principal(
        kind="user",
        id=w.users["reg_a"].id,
        role=Role.regulator,
        region_id=w.district_a.id,
        region_path=w.district_a.path,
        site_id=None,
    )
    store = build_store(settings)
    now = datetime.now(UTC)
    first = ctx.sessions()
    made, created = images.from_alert(first, store, principal, alert_id, now)  # inserted, not yet committed
    assert created
    result: dict[str, Any] = {}

    def second() -> None:
        with ctx.sessions() as s:
            image, was_made = images.from_alert(s, store, principal, alert_id, now)
            s.commit()
            result.update(id=image.id, made=was_made)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(1.0)  # it waits on the first one's uncommitted row
    first.commit()
    made_id = made.id
    first.close()
    thread.join(30)
    assert not thread.is_alive()
    assert result == {"id": made_id, "made": False}
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(LabelImage)) == 1
    keys = {p.relative_to(settings.evidence_dir).as_posix() for p in support.stored_files(settings.evidence_dir)}
    assert session.scalars(select(LabelImage.storage_key)).one() in keys
    assert len(keys) == 2  # the alert's snapshot and the one label frame
