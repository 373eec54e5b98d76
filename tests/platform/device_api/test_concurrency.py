"""The same event uploaded ~10 times at once over real HTTP: exactly one alert, no stray files."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertAudit, AlertEvidence
from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support as s

PARALLEL = 10


def test_concurrent_duplicates_make_one_alert(ctx: PlatformContext, session: Session, settings: Settings) -> None:
    w = f.world(session)
    body = s.parts(s.event(), s.jpeg_bytes(), s.mp4_bytes())
    headers = s.device_headers(w.device_keys["A1"])
    barrier = threading.Barrier(PARALLEL)

    with s.running_server(create_app(ctx=ctx)) as base:

        def upload(_: int) -> httpx.Response:
            with httpx.Client(base_url=base, timeout=60) as http:
                barrier.wait()
                return http.post("/api/v1/device/events", headers=headers, **body)

        with ThreadPoolExecutor(PARALLEL) as pool:
            responses = list(pool.map(upload, range(PARALLEL)))

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (PARALLEL - 1) + [201], [r.text for r in responses]
    ids = {r.json()["alert_id"] for r in responses}
    assert len(ids) == 1
    assert sum(1 for r in responses if r.json()["duplicate"] is False) == 1
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Alert)) == 1
    assert session.scalar(select(func.count()).select_from(AlertEvidence)) == 2
    assert session.scalar(select(func.count()).select_from(AlertAudit)) == 1
    # The losers of the race removed what they had written: only the winner's two files remain.
    assert len(s.stored_files(settings.evidence_dir)) == 2
