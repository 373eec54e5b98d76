"""Outages are not success: readiness checks the database and the evidence disk, endpoints answer 503 with
Retry-After while the database is away, and crash leftovers in the evidence folder are reclaimed."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.cli.serve_cmd import server_options
from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage.reclaim import reclaim_orphans
from tests import factories as f
from tests import support as s


@pytest.fixture
def down(tmp_path: Path) -> Iterator[TestClient]:
    """A platform whose database cannot be opened (its folder does not exist)."""
    gone = tmp_path / "no-such-folder" / "db.sqlite3"
    settings = Settings(database_url=f"sqlite:///{gone}", data_dir=tmp_path / "data", secret_key="test-secret")
    ctx = PlatformContext.build(settings)
    with TestClient(create_app(ctx=ctx), raise_server_exceptions=False) as c:
        yield c
    ctx.engine.dispose()


def test_liveness_stays_up_readiness_and_device_api_say_503(down: TestClient) -> None:
    assert down.get("/api/v1/health").status_code == 200
    ready = down.get("/api/v1/health/ready")
    assert ready.status_code == 503, ready.text
    assert ready.json()["checks"]["database"].startswith("database unavailable")
    assert int(ready.headers["Retry-After"]) > 0
    hb = {"sent_at": datetime.now(UTC).isoformat(), "software_version": "1.0"}
    resp = down.post("/api/v1/device/heartbeats", headers=s.device_headers("bkd_whatever"), json=hb)
    assert resp.status_code == 503, resp.text
    assert int(resp.headers["Retry-After"]) > 0
    events = down.post("/api/v1/device/events", headers=s.device_headers("bkd_x"), **s.parts(s.event()))
    assert events.status_code == 503, events.text
    assert "Retry-After" in events.headers


def test_readiness_ok_and_disk_not_writable(ctx: PlatformContext, tmp_path: Path) -> None:
    with TestClient(create_app(ctx=ctx)) as c:
        ok = c.get("/api/v1/health/ready")
        assert ok.status_code == 200, ok.text
        assert ok.json()["checks"] == {"database": "ok", "evidence_disk": "ok"}
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the data folder should be")
    broken = PlatformContext(settings=ctx.settings.model_copy(update={"data_dir": blocker}), engine=ctx.engine,
                             sessions=ctx.sessions)  # fmt: skip
    with TestClient(create_app(ctx=broken)) as c:
        resp = c.get("/api/v1/health/ready")
        assert resp.status_code == 503, resp.text
        assert resp.json()["checks"]["evidence_disk"].startswith("evidence folder not writable")


def test_orphans_and_temp_files_are_reclaimed(session: Session, tmp_path: Path) -> None:
    w = f.world(session)
    root = tmp_path / "evidence"
    kept_key = f"{w.site_a1.id}/2024/01/01/{'a' * 32}.jpg"
    orphan_key = f"{w.site_a1.id}/2024/01/01/{'b' * 32}.jpg"
    fresh_key = f"{w.site_a1.id}/2024/01/01/{'c' * 32}.jpg"
    w.cameras["A1"].latest_picture_key = kept_key
    session.commit()
    old = time.time() - 2 * 3600
    paths = {}
    for name in (kept_key, orphan_key, fresh_key, f"{w.site_a1.id}/2024/01/01/.tmp-x1", "notes/readme.txt"):
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
        if name != fresh_key:
            os.utime(p, (old, old))
        paths[name] = p
    done = reclaim_orphans(session, root)
    assert (done.temp_files, done.orphans) == (1, 1)
    assert not paths[orphan_key].exists() and not paths[f"{w.site_a1.id}/2024/01/01/.tmp-x1"].exists()
    assert paths[kept_key].exists() and paths[fresh_key].exists() and paths["notes/readme.txt"].exists()


def test_server_has_connection_limits() -> None:
    opts = server_options("127.0.0.1", 8000, 1)
    assert opts["timeout_keep_alive"] <= 10
    assert opts["h11_max_incomplete_event_size"] <= 64 * 1024
    assert opts["limit_concurrency"] >= 1
    assert 0 < opts["timeout_graceful_shutdown"] <= 10  # open live-feed streams must not hold a restart
