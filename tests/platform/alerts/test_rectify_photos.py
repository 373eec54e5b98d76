"""Several photos per rectification, and one batch rectification for several alerts of one code."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertAudit, Rectification, RectificationPhoto
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage.reclaim import GRACE_S, reclaim_orphans
from tests import factories as f
from tests import support as s


def photo_parts(*photos: bytes, field: str = "photos") -> list[tuple[str, Any]]:
    kinds = {b"\x89P": ("p.png", "image/png")}
    return [(field, (*kinds.get(p[:2], ("p.jpg", "image/jpeg"))[:1], p, kinds.get(p[:2], ("", "image/jpeg"))[1]))
            for p in photos]  # fmt: skip


def state_of(session: Session, alert_id: int) -> str:
    session.expire_all()
    found = session.get(Alert, alert_id)
    assert found is not None
    return found.state


def test_one_rectification_keeps_every_photo_in_order(client: TestClient, session: Session, settings: Settings) -> None:
    w = f.world(session)
    alert = f.alert(session, w.site_a1, w.cameras["A1"], state="rectifying")
    jpeg, png = s.jpeg_bytes(), s.png_bytes()
    files = [("photo", ("a.jpg", jpeg, "image/jpeg")), *photo_parts(png, s.jpeg_bytes(64, 48))]
    resp = client.post(f"/api/v1/alerts/{alert.id}/rectify", headers=f.bearer(session, "sa_a1"),
                       files=files, data={"note": "已戴好口罩"})  # fmt: skip
    assert resp.status_code == 200, resp.text
    rect = resp.json()["rectifications"][0]
    assert [p["content_type"] for p in rect["photos"]] == ["image/jpeg", "image/png", "image/jpeg"]
    assert [client.get(p["url"]).content for p in rect["photos"]] == [jpeg, png, s.jpeg_bytes(64, 48)]
    assert client.get(rect["photo_url"]).content == jpeg  # the one-photo field still answers the first
    assert len(s.stored_files(settings.evidence_dir)) == 3


def test_an_old_one_photo_rectification_still_shows_its_photo(client: TestClient, session: Session) -> None:
    w = f.world(session)
    alert = f.alert(session, w.site_a1, w.cameras["A1"], state="rectifying")
    resp = client.post(f"/api/v1/alerts/{alert.id}/rectify", headers=f.bearer(session, "sa_a1"),
                       files={"photo": ("a.jpg", s.jpeg_bytes(), "image/jpeg")})  # fmt: skip
    assert resp.status_code == 200, resp.text
    # As a rectification made before photos had their own table: no photo rows, only photo_key.
    for row in session.scalars(select(RectificationPhoto)):
        session.delete(row)
    session.commit()
    detail = client.get(f"/api/v1/alerts/{alert.id}", headers=f.bearer(session, "sa_a1")).json()
    photos = detail["rectifications"][0]["photos"]
    assert len(photos) == 1 and client.get(photos[0]["url"]).content == s.jpeg_bytes()


def test_seven_photos_or_a_bad_one_are_refused_and_nothing_is_kept(
    client: TestClient, session: Session, settings: Settings
) -> None:
    w = f.world(session)
    alert = f.alert(session, w.site_a1, w.cameras["A1"], state="rectifying")
    url, school = f"/api/v1/alerts/{alert.id}/rectify", f.bearer(session, "sa_a1")
    seven = client.post(url, headers=school, files=photo_parts(*[s.jpeg_bytes()] * 7))
    assert seven.status_code == 422 and seven.json()["code"] == "too_many_photos", seven.text
    bad_last = client.post(url, headers=school, files=photo_parts(s.jpeg_bytes(), b"GIF89a a gif"))
    assert bad_last.status_code == 415 and bad_last.json()["code"] == "unsupported_media_type"
    assert state_of(session, alert.id) == "rectifying"
    assert session.scalars(select(Rectification)).all() == []
    assert s.stored_files(settings.evidence_dir) == []


def test_bulk_rectify_one_photo_set_for_three_alerts(client: TestClient, session: Session, settings: Settings) -> None:
    w = f.world(session)
    pushed = [f.alert(session, w.site_a1, w.cameras["A1"], state="pushed") for _ in range(2)]
    rectifying = f.alert(session, w.site_a1, w.cameras["A1"], state="rectifying")
    other_site = f.alert(session, w.site_a2, w.cameras["A2"], state="rectifying")
    smoking = f.alert(session, w.site_a1, w.cameras["A1"], state="rectifying", code="smoking")
    submitted = f.alert(session, w.site_a1, w.cameras["A1"], state="submitted")
    ours = [*pushed, rectifying]
    ids = [a.id for a in (*ours, other_site, smoking, submitted)]
    resp = client.post("/api/v1/alerts/bulk-rectify", headers=f.bearer(session, "sa_a1"),
                       data={"ids": [str(i) for i in ids], "note": "已全部整改"},
                       files=photo_parts(s.jpeg_bytes(), s.png_bytes()))  # fmt: skip
    assert resp.status_code == 200, resp.text
    body = resp.json()
    result = {i["id"]: (i["ok"], i["status"], i["code"]) for i in body["items"]}
    assert result == {
        **{a.id: (True, 200, None) for a in ours},
        other_site.id: (False, 404, "not_found"),
        smoking.id: (False, 409, "mixed_codes"),
        submitted.id: (False, 409, "wrong_state"),
    }
    assert (body["succeeded"], body["failed"]) == (3, 3)
    assert [state_of(session, a.id) for a in (*ours, other_site, smoking, submitted)] == [
        "submitted", "submitted", "submitted", "rectifying", "rectifying", "submitted",
    ]  # fmt: skip
    # The two photos are stored once and linked to each of the three rectifications.
    assert len(s.stored_files(settings.evidence_dir)) == 2
    links = session.execute(select(Rectification.alert_id, RectificationPhoto.storage_key).join(
        RectificationPhoto, RectificationPhoto.rectification_id == Rectification.id)).all()  # fmt: skip
    assert {a for a, _ in links} == {a.id for a in ours} and len({k for _, k in links}) == 2 and len(links) == 6
    notes = session.scalars(select(Rectification.note)).all()
    assert notes == ["已全部整改"] * 3
    started = session.scalars(select(AlertAudit.alert_id).where(AlertAudit.action == "start")).all()
    assert sorted(started) == sorted(a.id for a in pushed)  # a pushed alert is started on the way
    detail = client.get(f"/api/v1/alerts/{pushed[0].id}", headers=f.bearer(session, "reg_a")).json()
    assert [client.get(p["url"]).content for p in detail["rectifications"][0]["photos"]] == [
        s.jpeg_bytes(), s.png_bytes(),
    ]  # fmt: skip


def test_bulk_rectify_where_nothing_succeeds_keeps_no_file(
    client: TestClient, session: Session, settings: Settings
) -> None:
    w = f.world(session)
    theirs = f.alert(session, w.site_b1, w.cameras["B1"], state="rectifying")
    resp = client.post("/api/v1/alerts/bulk-rectify", headers=f.bearer(session, "sa_a1"),
                       data={"ids": f"{theirs.id},987654"}, files=photo_parts(s.jpeg_bytes()))  # fmt: skip
    assert resp.status_code == 200, resp.text
    assert [(i["ok"], i["status"]) for i in resp.json()["items"]] == [(False, 404), (False, 404)]
    assert s.stored_files(settings.evidence_dir) == []
    assert state_of(session, theirs.id) == "rectifying"


def test_bulk_rectify_refuses_bad_input_before_touching_any_alert(
    client: TestClient, session: Session, settings: Settings
) -> None:
    w = f.world(session)
    alert = f.alert(session, w.site_a1, w.cameras["A1"], state="rectifying")
    school, url = f.bearer(session, "sa_a1"), "/api/v1/alerts/bulk-rectify"
    cases: list[tuple[dict[str, Any], list[tuple[str, Any]], int, str]] = [
        ({"ids": str(alert.id)}, [], 422, "photo_required"),
        ({"ids": str(alert.id)}, photo_parts(b"plain text"), 415, "unsupported_media_type"),
        ({"ids": "1,abc"}, photo_parts(s.jpeg_bytes()), 422, "invalid"),
        ({}, photo_parts(s.jpeg_bytes()), 422, "invalid"),
    ]
    for data, files, status, code in cases:
        resp = client.post(url, headers=school, data=data, files=files or {"note": (None, "x")})
        assert (resp.status_code, resp.json().get("code")) == (status, code), resp.text
    regulator = client.post(url, headers=f.bearer(session, "reg_a"), data={"ids": str(alert.id)},
                            files=photo_parts(s.jpeg_bytes()))  # fmt: skip
    assert [(i["ok"], i["status"]) for i in regulator.json()["items"]] == [(False, 403)]
    assert state_of(session, alert.id) == "rectifying"
    assert s.stored_files(settings.evidence_dir) == []
    assert client.post(url, data={"ids": str(alert.id)}, files=photo_parts(s.jpeg_bytes())).status_code == 401


def test_the_orphan_sweep_keeps_every_photo_of_a_rectification(
    client: TestClient, session: Session, settings: Settings
) -> None:
    w = f.world(session)
    alert = f.alert(session, w.site_a1, w.cameras["A1"], state="rectifying")
    resp = client.post(f"/api/v1/alerts/{alert.id}/rectify", headers=f.bearer(session, "sa_a1"),
                       files=photo_parts(s.jpeg_bytes(), s.png_bytes()))  # fmt: skip
    assert resp.status_code == 200, resp.text
    stray = settings.evidence_dir / "1" / "2026" / "01" / "01" / f"{'b' * 32}.jpg"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(s.jpeg_bytes())
    done = reclaim_orphans(session, settings.evidence_dir, now=time.time() + 10 * GRACE_S)
    assert done.orphans == 1 and not stray.exists()
    photos = resp.json()["rectifications"][0]["photos"]
    assert [client.get(p["url"]).status_code for p in photos] == [200, 200]
