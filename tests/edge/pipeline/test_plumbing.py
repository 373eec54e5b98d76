"""Small pieces: the drop-oldest queue, sampling, backoff, URL redaction, event ids, zones and hours."""

from __future__ import annotations

import random
import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import numpy as np

from brightkitchen.edge.ids import new_event_id
from brightkitchen.edge.queues import DropOldestQueue
from brightkitchen.edge.rules.schedule import WorkingSchedule
from brightkitchen.edge.rules.zones import point_in_polygon
from brightkitchen.edge.sources.base import Backoff, Sampler, redact_url
from brightkitchen.edge.uploader import retry_after_s


def test_queue_drops_oldest_and_counts() -> None:
    q: DropOldestQueue[int] = DropOldestQueue(2)
    for i in range(5):
        q.put(i)
    assert q.dropped == 3 and q.put_count == 5
    assert [q.get_nowait(), q.get_nowait(), q.get_nowait()] == [3, 4, None]
    assert q.get(timeout=0.01) is None


def test_sampler_takes_one_frame_a_second_from_25_fps() -> None:
    s = Sampler(1.0)
    picked = [i / 25 for i in range(25 * 10) if s.due(i / 25)]
    assert len(picked) == 10
    assert np.allclose(np.diff(picked), 1.0)


def test_sampler_survives_gaps_and_timestamp_resets() -> None:
    s = Sampler(1.0)
    assert s.due(0.0) and not s.due(0.5) and s.due(1.0)
    assert s.due(30.0)  # a gap: take the next frame at once
    assert s.due(0.1)  # the stream restarted its clock (a looped file, a reconnect)
    assert not s.due(0.5) and s.due(1.1)


def test_backoff_doubles_to_a_cap_with_jitter() -> None:
    b = Backoff(1.0, 8.0, random.Random(1))
    delays = [b.next_delay() for _ in range(8)]
    assert all(0.5 * lo <= d <= lo for d, lo in zip(delays, [1, 2, 4, 8, 8, 8, 8, 8], strict=True))
    b.reset()
    assert b.next_delay() <= 1.0


def test_redact_url_hides_credentials() -> None:
    assert redact_url("rtsp://admin:s3cret@10.0.0.5:554/ch1") == "rtsp://***@10.0.0.5:554/ch1"
    assert redact_url("rtsp://cam/ch1") == "rtsp://cam/ch1"
    assert "s3cret" not in redact_url("error opening rtsp://u:s3cret@h/x: refused")


def test_event_ids_are_valid_unique_and_time_ordered() -> None:
    a, b = new_event_id(1_700_000_000.0), new_event_id(1_700_000_001.0)
    assert re.fullmatch(r"[0-9a-f]{32}", a) and a < b
    assert len({new_event_id(1.0) for _ in range(1000)}) == 1000


def test_point_in_polygon() -> None:
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], np.float64)
    assert point_in_polygon(5, 5, square) and not point_in_polygon(15, 5, square)
    concave = np.array([[0, 0], [10, 0], [10, 10], [5, 5], [0, 10]], np.float64)
    assert not point_in_polygon(5, 8, concave) and point_in_polygon(2, 4, concave)


def test_working_hours_in_the_site_time_zone() -> None:
    sched = WorkingSchedule(time(5), time(20), "Asia/Shanghai")
    tz = ZoneInfo("Asia/Shanghai")
    assert sched.is_working(datetime(2024, 1, 1, 5, 0, tzinfo=tz).timestamp())
    assert not sched.is_working(datetime(2024, 1, 1, 4, 59, tzinfo=tz).timestamp())
    assert not sched.is_working(datetime(2024, 1, 1, 12, 0, tzinfo=ZoneInfo("UTC")).timestamp())  # 20:00 local


def test_retry_after_seconds_or_date() -> None:
    assert retry_after_s("7", 0.0) == 7.0
    assert retry_after_s("Thu, 01 Jan 1970 00:00:30 GMT", 10.0) == 20.0
    assert retry_after_s("soon", 0.0) is None and retry_after_s(None, 0.0) is None
