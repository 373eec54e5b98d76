"""VideoService bookkeeping without a camera stream: configuration changes, health of cameras that do not
record, retention and quota run by the service, and a prompt stop."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from brightkitchen.edge.sources import SourceOptions
from brightkitchen.edge.video import VideoCamera, VideoOptions, VideoService
from brightkitchen.edge.video.segmenter import Segment
from brightkitchen.protocol.video import SegmentMeta
from tests.edge.pipeline.conftest import wait_for
from tests.edge.pipeline.receiver import free_port

FAST = SourceOptions(backoff_initial_s=0.1, backoff_max_s=0.3, open_timeout_s=1, read_timeout_s=1)


def nowhere() -> str:
    return f"rtsp://127.0.0.1:{free_port()}/cam"  # nothing listens: connection refused at once


def test_update_cameras_restarts_changed_recorders_and_stops_removed_ones(tmp_path: Path) -> None:
    a, b = VideoCamera("cam1", nowhere(), source=FAST), VideoCamera("cam2", nowhere(), source=FAST)
    svc = VideoService(tmp_path, [a, b], None, 0, lambda: 0)
    svc.start()
    try:
        assert wait_for(lambda: svc.health("cam1").status == "error" and svc.health("cam2").status == "error", 5)
        assert "refused" in (svc.health("cam1").error or "").lower()
        first = svc._recorders["cam1"][1]
        moved = VideoCamera("cam1", nowhere(), source=FAST)
        svc.update_cameras([moved, VideoCamera("cam3", nowhere(), record=False)])
        assert first.stopped and svc._recorders["cam1"][1].url == moved.url
        assert set(svc._recorders) == {"cam1"}  # cam2 is gone and cam3 does not record
        assert svc.health("cam3").status == "disabled" and svc.health("cam2").status == "disabled"
    finally:
        t = time.monotonic()
        svc.stop()
        assert time.monotonic() - t < 3.0
    assert svc.health("cam1").status == "stopped"


def test_the_service_applies_retention_and_the_shared_quota(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    other = {"bytes": 0}
    cams = [VideoCamera("cam1", nowhere(), retention_days=2, source=FAST)]
    opts = VideoOptions(maintenance_interval_s=0.2)
    svc = VideoService(tmp_path, cams, None, 10_000, lambda: other["bytes"], options=opts)
    data = b"\x47" + bytes(187)  # one TS packet; the store does not look inside
    for days_ago, key in ((5, "cam1"), (3, "gone"), (1, "cam1"), (0, "cam1")):
        meta = SegmentMeta(start=now - timedelta(days=days_ago), duration_s=1.0)
        assert svc.store.write(key, Segment(data * 10, meta, "h264"))
    # cam1 keeps 2 days; a camera no longer configured keeps the default 7.
    svc.start()
    try:
        assert wait_for(lambda: svc.store.days_kept("cam1") < 2, 3)
        r = svc.store.range("gone")
        assert r is not None and r.recorded_from < now - timedelta(days=2)
        other["bytes"] = 10_000 - svc.store.bytes_used() + 1  # the outbox grew: one minute file must go
        assert wait_for(lambda: svc.store.range("gone") is None, 3)  # the oldest recording, whichever camera
        assert svc.store.days_kept("cam1") > 0.9
        h = svc.health("cam1")
        assert h.recorded_until is not None and h.days_kept > 0.9 and h.bytes == svc.store.bytes_used("cam1")
    finally:
        svc.stop()
