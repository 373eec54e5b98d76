"""The recording store on a real disk with real MPEG-TS segments: minute files and their index, recovery of a
torn tail after a crash, range queries, retention by days and by the shared quota, and a full disk."""

from __future__ import annotations

import errno
import io
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import pytest

from brightkitchen.edge.clock import SystemClock
from brightkitchen.edge.video.recording import RecordingStore, read_index
from brightkitchen.edge.video.segmenter import Segment, Segmenter
from brightkitchen.protocol.video import SegmentMeta
from tests.edge.video.conftest import FFMPEG, decode_first_frame, needs_ffmpeg

pytestmark = needs_ffmpeg

T0 = datetime(2026, 3, 2, 11, 59, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def real_segments(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Ten ~1 s MPEG-TS segments cut by the segmenter from an H.264 file (GOP 25 at 25 fps)."""
    assert FFMPEG is not None
    video = tmp_path_factory.mktemp("rec") / "pattern.mp4"
    cmd = [FFMPEG, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25"]
    cmd += ["-t", "11", "-c:v", "libx264", "-g", "25", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(video)]
    subprocess.run(cmd, check=True)
    got: list[Segment] = []
    seg = Segmenter("file", f"file:{video}", got.append, SystemClock())
    seg.start()
    deadline = time.monotonic() + 20
    while len(got) < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    seg.stop()
    seg.join(5)
    assert len(got) >= 10
    return [s.data for s in got[:10]]


def at(data: bytes, start: datetime, duration: float = 1.0, discontinuity: bool = False) -> Segment:
    return Segment(data, SegmentMeta(start=start, duration_s=duration, discontinuity=discontinuity), "h264")


def fill(store: RecordingStore, key: str, segments: list[bytes], start: datetime, n: int, step_s: float = 1.0) -> None:
    for i in range(n):
        assert store.write(key, at(segments[i % len(segments)], start + timedelta(seconds=i * step_s), step_s, i == 0))


def assert_index_consistent(ts: Path) -> None:
    entries = read_index(ts.with_suffix(".idx"))
    offset = 0
    for e in entries:
        assert e.offset == offset
        offset += e.size
    assert ts.stat().st_size == offset


def test_minute_files_index_and_range_query(tmp_path: Path, real_segments: list[bytes]) -> None:
    store = RecordingStore(tmp_path / "recordings")
    fill(store, "cam1", real_segments, T0, 100)  # 11:59:30 .. 12:01:10
    day = tmp_path / "recordings" / "cam1" / "20260302"
    assert sorted(p.name for p in day.iterdir()) == [
        "1159.idx",
        "1159.ts",
        "1200.idx",
        "1200.ts",
        "1201.idx",
        "1201.ts",
    ]
    assert [len(read_index(day / f"{m}.idx")) for m in ("1159", "1200", "1201")] == [30, 60, 10]
    for m in ("1159", "1200", "1201"):
        assert_index_consistent(day / f"{m}.ts")
    # A minute file is the segments back to back, and plays as one stream.
    with av.open(str(day / "1200.ts")) as c:
        frames = sum(1 for _ in c.decode(video=0))
    assert 60 * 25 - 25 <= frames <= 60 * 25 + 25

    got = list(store.segments("cam1", T0 + timedelta(seconds=25.5), T0 + timedelta(seconds=40)))
    starts = [m.start for m, _ in got]
    assert starts == [T0 + timedelta(seconds=s) for s in range(25, 40)]  # 25 overlaps 25.5
    assert [d for _, d in got] == [real_segments[s % 10] for s in range(25, 40)]
    assert decode_first_frame(got[0][1])[:2] == ("h264", True)
    assert not any(m.discontinuity for m, _ in got)

    r = store.range("cam1")
    assert r is not None and r.recorded_from == T0 and r.recorded_until == T0 + timedelta(seconds=100)
    assert store.bytes_used("cam1") == sum(p.stat().st_size for p in day.iterdir())
    assert store.range("nobody") is None and list(store.segments("nobody", T0, T0 + timedelta(hours=1))) == []


def test_a_gap_reads_as_a_discontinuity(tmp_path: Path, real_segments: list[bytes]) -> None:
    store = RecordingStore(tmp_path)
    fill(store, "cam1", real_segments, T0, 3)
    store.write("cam1", at(real_segments[0], T0 + timedelta(seconds=10)))  # 7 s with nothing recorded
    flags = [m.discontinuity for m, _ in store.segments("cam1", T0, T0 + timedelta(seconds=20))]
    assert flags == [True, False, False, True]


def test_restart_cuts_a_torn_tail_and_keeps_recording(tmp_path: Path, real_segments: list[bytes]) -> None:
    store = RecordingStore(tmp_path)
    fill(store, "cam1", real_segments, T0 + timedelta(seconds=5), 5)
    store.close()
    ts = tmp_path / "cam1" / "20260302" / "1159.ts"
    good_size = ts.stat().st_size
    with ts.open("ab") as f:
        f.write(real_segments[5][:7000])  # a crash in the middle of a segment: bytes but no index line
    with ts.with_suffix(".idx").open("ab") as f:
        f.write(b'{"start_ms":17')  # and a torn index line

    store = RecordingStore(tmp_path)  # the agent starts again
    assert ts.stat().st_size == good_size and len(read_index(ts.with_suffix(".idx"))) == 5
    assert ts.with_suffix(".idx").read_bytes().endswith(b"}\n")
    store.write("cam1", at(real_segments[6], T0 + timedelta(seconds=11), discontinuity=True))
    assert_index_consistent(ts)
    got = list(store.segments("cam1", T0, T0 + timedelta(minutes=1)))
    assert [d for _, d in got] == [*real_segments[:5], real_segments[6]]
    assert [m.discontinuity for m, _ in got] == [True, False, False, False, False, True]
    r = store.range("cam1")
    assert r is not None and r.recorded_until == T0 + timedelta(seconds=12)


def test_index_lines_past_the_end_of_the_file_are_dropped(tmp_path: Path, real_segments: list[bytes]) -> None:
    store = RecordingStore(tmp_path)
    fill(store, "cam1", real_segments, T0 + timedelta(seconds=5), 4)
    store.close()
    ts = tmp_path / "cam1" / "20260302" / "1159.ts"
    sizes = [len(s) for s in real_segments[:4]]
    with ts.open("r+b") as f:
        f.truncate(sum(sizes[:3]) + 100)  # a power cut kept the index line but not all of the bytes
    RecordingStore(tmp_path)
    assert len(read_index(ts.with_suffix(".idx"))) == 3
    assert_index_consistent(ts)


def test_retention_deletes_whole_minutes_older_than_the_cameras_days(
    tmp_path: Path, real_segments: list[bytes]
) -> None:
    store = RecordingStore(tmp_path)
    now = T0.timestamp()
    week = timedelta(days=7)
    # Each run of 30 s spans two minute files. now - 7 days is 11:59:30 on 23 February.
    starts = [T0 - timedelta(days=10) + timedelta(seconds=15), T0 - timedelta(days=8) + timedelta(seconds=15)]
    starts += [T0 - week - timedelta(seconds=105)]  # 11:57:45-11:58:15: both minutes ended before the cutoff
    starts += [T0 - week + timedelta(seconds=15)]  # 11:59:45-12:00:15: within the week, kept
    starts += [T0 - timedelta(days=6) + timedelta(seconds=15), T0 - timedelta(seconds=40)]
    for start in starts:
        fill(store, "cam1", real_segments, start, 30)
    assert store.days_kept("cam1") == pytest.approx(10, abs=0.01)
    assert store.enforce_retention("cam1", 7, now) == 6
    days = sorted(p.name for p in (tmp_path / "cam1").iterdir())
    assert days == ["20260223", "20260224", "20260302"]
    assert sorted(p.name for p in (tmp_path / "cam1" / "20260223").iterdir()) == [
        "1159.idx", "1159.ts", "1200.idx", "1200.ts"
    ]  # fmt: skip
    r = store.range("cam1")
    assert r is not None and r.recorded_from == T0 - week + timedelta(seconds=15)
    assert store.days_kept("cam1") == pytest.approx(7, abs=0.01)


def test_quota_deletes_the_oldest_recordings_first_and_never_the_other_bytes(
    tmp_path: Path, real_segments: list[bytes]
) -> None:
    store = RecordingStore(tmp_path / "recordings")
    evidence = tmp_path / "outbox" / "evidence.mp4"  # stands for the outbox's undelivered evidence
    evidence.parent.mkdir()
    evidence.write_bytes(real_segments[0] * 20)
    for minute in range(6):  # two cameras, interleaved in time: cam1 on even minutes, cam2 on odd ones
        key = "cam1" if minute % 2 == 0 else "cam2"
        fill(store, key, real_segments, T0 + timedelta(minutes=minute, seconds=30), 10)
    per_minute = store.bytes_used() / 6
    quota = int(evidence.stat().st_size + per_minute * 3.5)

    assert store.enforce_quota(quota, evidence.stat().st_size) == 3
    assert store.bytes_used() + evidence.stat().st_size <= quota
    assert evidence.exists()
    r1, r2 = store.range("cam1"), store.range("cam2")
    assert r1 is not None and r1.recorded_from == T0 + timedelta(minutes=4, seconds=30)
    assert r2 is not None and r2.recorded_from == T0 + timedelta(minutes=3, seconds=30)
    assert store.enforce_quota(quota, evidence.stat().st_size) == 0  # it fits now
    assert store.enforce_quota(0, 10**12) == 0  # no quota configured: nothing goes


class _FullDisk(io.RawIOBase):
    """A file on a disk that fills up halfway through the next write."""

    def __init__(self, real: io.BufferedWriter) -> None:
        self.real = real

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.real.write(bytes(b)[: len(b) // 2])
        self.real.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self) -> None:
        self.real.close()


def test_a_full_disk_drops_the_segment_frees_the_oldest_minute_and_carries_on(
    tmp_path: Path, real_segments: list[bytes]
) -> None:
    store = RecordingStore(tmp_path)
    fill(store, "cam1", real_segments, T0 + timedelta(seconds=20), 20)  # 1159 and 1200
    writer = store._writers["cam1"]
    writer.ts = _FullDisk(writer.ts)  # type: ignore[assignment,arg-type]

    assert store.write("cam1", at(real_segments[3], T0 + timedelta(seconds=40))) is False
    assert store.dropped["cam1"] == 1 and "No space" in store.last_error["cam1"]
    assert not (tmp_path / "cam1" / "20260302" / "1159.ts").exists()  # the oldest minute made room
    assert store.write("cam1", at(real_segments[4], T0 + timedelta(seconds=41))) is True
    ts = tmp_path / "cam1" / "20260302" / "1200.ts"
    assert_index_consistent(ts)  # the half-written segment was cut off
    got = [d for _, d in store.segments("cam1", T0, T0 + timedelta(minutes=2))]
    assert got == [real_segments[i % 10] for i in range(10, 20)] + [real_segments[4]]
