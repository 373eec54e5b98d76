"""Each camera's latest still picture: uploaded by its device, replaced (never piling up), shown to the
people who may see the camera and on the public page only for public cameras."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support as s


def put_picture(client: TestClient, key: str, camera_key: str, data: bytes, ctype: str = "image/jpeg"):  # type: ignore[no-untyped-def]
    return client.put(f"/api/v1/device/cameras/{camera_key}/picture", content=data,
                      headers={**s.device_headers(key), "content-type": ctype})  # fmt: skip


def test_latest_picture_replaces_the_previous_one(client: TestClient, session: Session, settings: Settings) -> None:
    w = f.world(session)
    first, second = s.jpeg_bytes(320, 240), s.jpeg_bytes(640, 360)
    assert put_picture(client, w.device_keys["A1"], "cam-a1", first).status_code == 204
    assert put_picture(client, w.device_keys["A1"], "cam-a1", second).status_code == 204
    assert [p.read_bytes() for p in s.stored_files(settings.evidence_dir)] == [second]
    cam = client.get(f"/api/v1/cameras/{w.cameras['A1'].id}", headers=f.login(client, "ss_a1")).json()
    assert cam["latest_picture_at"] is not None
    picture = client.get(cam["latest_picture_url"])
    assert picture.status_code == 200 and picture.content == second
    listed = client.get("/api/v1/cameras", headers=f.login(client, "reg_a")).json()["items"]
    assert {c["key"]: c["latest_picture_url"] is not None for c in listed} == {"cam-a1": True, "cam-a2": False}


def test_bad_pictures_are_refused_and_keep_the_old_one(
    client: TestClient, session: Session, settings: Settings
) -> None:
    w = f.world(session)
    key = w.device_keys["A1"]
    good = s.jpeg_bytes()
    assert put_picture(client, key, "cam-a1", good).status_code == 204
    assert put_picture(client, key, "cam-a1", s.png_bytes()).status_code == 415
    assert put_picture(client, key, "cam-a1", good[: len(good) // 2]).status_code == 422
    assert put_picture(client, key, "cam-a1", b"\xff\xd8\xff" + b"0" * (3 * 1024 * 1024)).status_code == 413
    assert put_picture(client, key, "cam-b1", good).status_code == 404  # another site's camera
    assert put_picture(client, key, "no-such-cam", good).status_code == 404
    assert put_picture(client, "bkd_not-a-key", "cam-a1", good).status_code == 401
    assert [p.read_bytes() for p in s.stored_files(settings.evidence_dir)] == [good]


def test_public_page_shows_pictures_of_public_cameras_only(client: TestClient, session: Session) -> None:
    w = f.world(session)
    w.site_a1.public_page = True
    w.cameras["A1"].public = True
    other = f.camera(session, w.site_a1, "cam-private", public=False)
    session.commit()
    key = w.device_keys["A1"]
    assert put_picture(client, key, "cam-a1", s.jpeg_bytes()).status_code == 204
    assert put_picture(client, key, other.key, s.jpeg_bytes()).status_code == 204
    page = client.get(f"/api/v1/public/sites/{w.site_a1.code}").json()
    assert [c["name"] for c in page["cameras"]] == [w.cameras["A1"].name]
    url = page["cameras"][0]["latest_picture_url"]
    assert client.get(url).content[:3] == b"\xff\xd8\xff"
