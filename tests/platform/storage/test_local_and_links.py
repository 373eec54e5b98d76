"""Keys are made by the server; anything else is refused, by the store and by the evidence endpoint."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from brightkitchen.platform.db import utcnow
from brightkitchen.platform.security import sign
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage import build_store
from brightkitchen.platform.storage.base import InvalidKey, check_key, new_key
from brightkitchen.platform.storage.links import link_ok, signed_url
from brightkitchen.platform.storage.local import LocalStore, LocalStoreConfig

CRAFTED = [
    "../../etc/passwd",
    "1/2026/01/01/../../../../secret.jpg",
    "/etc/passwd",
    "1/2026/01/01/0123456789abcdef0123456789abcdef.exe",
    "1/2026/01/01/0123456789ABCDEF0123456789ABCDEF.jpg",
    "1/2026/01/01/0123456789abcdef0123456789abcdef.jpg/../../x",
    "1\\2026\\01\\01\\0123456789abcdef0123456789abcdef.jpg",
    "",
]


def test_new_keys_are_valid_and_unique() -> None:
    keys = {new_key(7, "image/jpeg", utcnow()) for _ in range(100)}
    assert len(keys) == 100
    for key in keys:
        assert check_key(key) == key and key.startswith("7/") and key.endswith(".jpg")


@pytest.mark.parametrize("key", CRAFTED)
def test_store_refuses_crafted_keys(tmp_path: Path, key: str) -> None:
    (tmp_path / "secret.jpg").write_bytes(b"secret")
    store = LocalStore(LocalStoreConfig(root=tmp_path / "evidence"))
    for op in (lambda: store.read(key), lambda: store.put(key, b"x", "image/jpeg"), lambda: store.delete(key)):
        with pytest.raises(InvalidKey):
            op()
    assert not (tmp_path / "evidence").exists()


def test_local_store_round_trip(tmp_path: Path) -> None:
    store = LocalStore(LocalStoreConfig(root=tmp_path))
    key = new_key(1, "video/mp4", utcnow())
    store.put(key, b"data", "video/mp4")
    assert store.exists(key) and store.read(key) == b"data"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [key.rsplit("/", 1)[1]]  # no temp files left
    store.delete(key)
    assert not store.exists(key)


@pytest.mark.parametrize("key", CRAFTED[:4])
def test_endpoint_refuses_crafted_key_even_when_signed(client: TestClient, settings: Settings, key: str) -> None:
    outside = settings.data_dir / "brightkitchen.secret"
    outside.parent.mkdir(parents=True, exist_ok=True)
    outside.write_bytes(b"do not serve")
    exp = int((utcnow() + timedelta(minutes=5)).timestamp())
    sig = sign(settings.secret_key, f"evidence\n{key}\n{exp}".encode())
    resp = client.get(f"/api/v1/evidence/{key}", params={"exp": exp, "sig": sig})
    assert resp.status_code in (403, 404), resp.text
    assert b"do not serve" not in resp.content


def test_links_expire_and_bind_the_key(client: TestClient, settings: Settings) -> None:
    store = build_store(settings)
    key = new_key(1, "image/jpeg", utcnow())
    store.put(key, b"\xff\xd8\xffjpeg", "image/jpeg")
    now = utcnow()
    url = signed_url(settings.secret_key, key, now, 60)
    assert client.get(url).status_code == 200
    expired = signed_url(settings.secret_key, key, now - timedelta(seconds=120), 60)
    assert client.get(expired).status_code == 403
    other = new_key(1, "image/jpeg", utcnow())
    assert client.get(url.replace(key, other)).status_code == 403  # a signature is for one key only
    assert not link_ok("another-secret", key, int(now.timestamp()) + 60, url.rsplit("sig=", 1)[1], now)
    missing = signed_url(settings.secret_key, other, now, 60)
    assert client.get(missing).status_code == 404


def test_local_put_is_durable_before_it_returns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row is committed after its file's put returns: the data, its name in the folder and any folder made for
    it must all be fsynced by then, or a power cut could leave a committed row without its file."""
    from brightkitchen.platform.storage import local

    synced: list[int] = []
    real_fsync = local.os.fsync

    def fsync(fd: int) -> None:
        synced.append(local.os.fstat(fd).st_ino)
        real_fsync(fd)

    monkeypatch.setattr(local.os, "fsync", fsync)
    root = tmp_path / "evidence"
    root.mkdir()
    store = LocalStore(LocalStoreConfig(root=root))
    key = new_key(3, "image/jpeg", utcnow())
    store.put(key, b"picture", "image/jpeg")
    path = root / key
    folders = [path.parent, *path.parent.relative_to(root).parents]  # the day's folder up to the root
    expected = {path.stat().st_ino, *((root / f).stat().st_ino for f in folders)}
    assert set(synced) == expected, "the file, its folder, every new folder and the root's entry"

    synced.clear()
    second = new_key(3, "image/jpeg", utcnow())
    store.put(second, b"another", "image/jpeg")
    assert set(synced) == {(root / second).stat().st_ino, path.parent.stat().st_ino}  # the folder already there
