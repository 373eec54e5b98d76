"""Thumbnails for lists: made once from the evidence picture on the first signed request, stored beside it under
a derived key, served by the evidence rules; a picture that cannot be read gets a clear error and no file."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import AlertEvidence
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage import build_store, thumbnails
from brightkitchen.platform.storage.base import InvalidKey, check_key, new_key, source_key, thumbnail_key
from brightkitchen.platform.storage.links import expiry, signed_url
from brightkitchen.platform.storage.reclaim import reclaim_orphans
from tests import factories, support


def _jpeg(width: int, height: int, quality: int = 90) -> bytes:
    ok, buf = cv2.imencode(".jpg", support.image(width, height), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return bytes(buf.tobytes())


def _stored(settings: Settings, data: bytes, content_type: str = "image/jpeg") -> str:
    key = new_key(1, content_type, utcnow())
    build_store(settings).put(key, data, content_type)
    return key


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_keys_derive_both_ways_and_nothing_else_passes() -> None:
    key = new_key(3, "image/jpeg", utcnow())
    thumb = thumbnail_key(key)
    assert thumb == key + ".thumb.jpg" and check_key(thumb) == thumb and source_key(thumb) == key
    assert source_key(key) == key
    assert thumbnail_key(new_key(3, "image/png", utcnow())).endswith(".png.thumb.jpg")
    for not_a_picture in (new_key(3, "video/mp4", utcnow()), thumb):  # no thumbnail of a clip or of a thumbnail
        with pytest.raises(InvalidKey):
            thumbnail_key(not_a_picture)
    for crafted in (key.replace(".jpg", ".mp4.thumb.jpg"), thumb + ".thumb.jpg", key + ".thumb.png"):
        with pytest.raises(InvalidKey):
            check_key(crafted)


def test_a_list_thumbnail_is_small_made_once_and_kept(client: TestClient, settings: Settings) -> None:
    source = _jpeg(1280, 720)
    key = _stored(settings, source)
    url = signed_url(settings.secret_key, thumbnail_key(key), utcnow(), 600)

    first = client.get(url)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "image/jpeg"
    picture = cv2.imdecode(np.frombuffer(first.content, np.uint8), cv2.IMREAD_COLOR)
    assert picture.shape[:2] == (135, 240)  # 240 wide, the frame's 16:9 kept
    assert len(first.content) * 8 < len(source)  # what a list moves per row is a small fraction
    stored = settings.evidence_dir / thumbnail_key(key)
    assert stored.read_bytes() == first.content  # beside the evidence, under the derived key

    made_at = stored.stat().st_mtime_ns
    os.utime(stored, ns=(made_at - 10**9, made_at - 10**9))
    again = client.get(url)
    assert again.content == first.content
    assert stored.stat().st_mtime_ns == made_at - 10**9  # served, not made again
    assert build_store(settings).read(key) == source  # the evidence itself is untouched


def test_a_png_picture_gets_a_jpeg_thumbnail_and_a_small_one_keeps_its_size(
    client: TestClient, settings: Settings
) -> None:
    png = _stored(settings, support.png_bytes(), "image/png")
    resp = client.get(signed_url(settings.secret_key, thumbnail_key(png), utcnow(), 600))
    assert resp.status_code == 200 and resp.content[:3] == b"\xff\xd8\xff"
    small = _stored(settings, _jpeg(200, 150))
    resp = client.get(signed_url(settings.secret_key, thumbnail_key(small), utcnow(), 600))
    assert cv2.imdecode(np.frombuffer(resp.content, np.uint8), cv2.IMREAD_COLOR).shape[:2] == (150, 200)


def test_thumbnail_links_follow_the_evidence_rules(client: TestClient, settings: Settings) -> None:
    key = _stored(settings, _jpeg(640, 360))
    thumb = thumbnail_key(key)
    now = utcnow()
    # The picture's own signature does not open its thumbnail (nor the reverse): a link is for one key.
    picture_link = signed_url(settings.secret_key, key, now, 600)
    assert client.get(picture_link.replace(key, thumb, 1)).status_code == 403
    expired = signed_url(settings.secret_key, thumb, now - timedelta(hours=1), 60)
    assert client.get(expired).status_code == 403
    assert not (settings.evidence_dir / thumb).exists()  # a refused link makes nothing


@pytest.mark.parametrize("content", [b"", b"\xff\xd8\xff\xe0 not really a jpeg" * 10, b"GIF89a..."])
def test_an_unreadable_picture_is_a_clear_error_and_leaves_nothing(
    client: TestClient, settings: Settings, content: bytes
) -> None:
    key = _stored(settings, content)
    before = _files(settings.evidence_dir)
    resp = client.get(signed_url(settings.secret_key, thumbnail_key(key), utcnow(), 600))
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == "unreadable_picture"
    assert _files(settings.evidence_dir) == before  # no thumbnail, no temporary file
    assert build_store(settings).read(key) == content  # the evidence is kept as it was


def test_a_missing_picture_has_no_thumbnail(client: TestClient, settings: Settings) -> None:
    key = new_key(1, "image/jpeg", utcnow())
    resp = client.get(signed_url(settings.secret_key, thumbnail_key(key), utcnow(), 600))
    assert resp.status_code == 404 and resp.json()["code"] == "not_found"
    assert not settings.evidence_dir.exists() or not _files(settings.evidence_dir)


def test_the_alert_list_links_thumbnails_and_the_detail_the_full_picture(
    ctx: PlatformContext, session: Session
) -> None:
    w = factories.world(session)
    key = _stored(ctx.settings, _jpeg(1280, 720))
    a = factories.alert(session, w.site_a1, w.cameras["A1"])
    session.add(
        AlertEvidence(alert_id=a.id, kind="snapshot", storage_key=key, sha256=hashlib.sha256(b"").hexdigest(),
                      size=1, content_type="image/jpeg")
    )  # fmt: skip
    session.commit()
    from brightkitchen.platform.app import create_app

    with TestClient(create_app(ctx=ctx)) as client:
        headers = factories.login(client, "sa_a1")
        [row] = client.get("/api/v1/alerts", headers=headers).json()["items"]
        assert f"/{thumbnail_key(key)}?" in row["thumbnail_url"]
        assert f"/{key}?" in row["snapshot_url"]
        thumb = client.get(row["thumbnail_url"])
        full = client.get(row["snapshot_url"])
        assert thumb.status_code == full.status_code == 200
        assert len(thumb.content) * 8 < len(full.content)
        detail = client.get(f"/api/v1/alerts/{a.id}", headers=headers).json()
        assert f"/{key}?" in detail["snapshot_url"]  # the detail page keeps the full picture


def test_with_list_thumbnails_off_the_list_has_none(settings: Settings) -> None:
    key = new_key(1, "image/jpeg", utcnow())
    now = utcnow()
    assert thumbnails.list_picture_url(key, settings, now) == signed_url(
        settings.secret_key, thumbnail_key(key), now, settings.evidence_url_ttl_s
    )
    off = settings.model_copy(update={"list_thumbnails": False})
    assert thumbnails.list_picture_url(key, off, now) is None
    assert thumbnails.list_picture_url(None, settings, now) is None


def test_a_link_stays_the_same_for_a_while_so_the_browser_reuses_the_picture(settings: Settings) -> None:
    key = new_key(1, "image/jpeg", utcnow())
    now = utcnow().replace(microsecond=0)
    exp = expiry(now, 600)
    assert exp - int(now.timestamp()) in range(600, 901) and exp % 300 == 0
    same = [signed_url(settings.secret_key, key, now + timedelta(seconds=s), 600) for s in range(0, 300, 7)]
    assert len(set(same)) <= 2  # one step boundary at most inside five minutes


def test_reclaim_keeps_a_thumbnail_while_its_picture_is_referenced(ctx: PlatformContext, session: Session) -> None:
    w = factories.world(session)
    store = build_store(ctx.settings)
    kept, gone = _stored(ctx.settings, _jpeg(640, 360)), _stored(ctx.settings, _jpeg(640, 360))
    for key in (kept, gone):
        thumbnails.ensure_thumbnail(store, thumbnail_key(key))
    a = factories.alert(session, w.site_a1)
    session.add(AlertEvidence(alert_id=a.id, kind="snapshot", storage_key=kept, sha256="0" * 64, size=1,
                              content_type="image/jpeg"))  # fmt: skip
    session.commit()
    store.delete(gone)  # its row and picture are gone: its thumbnail is an orphan

    done = reclaim_orphans(session, ctx.settings.evidence_dir, now=utcnow().timestamp() + 7200)
    assert done.orphans == 1
    assert _files(ctx.settings.evidence_dir) == sorted([kept, thumbnail_key(kept)])
