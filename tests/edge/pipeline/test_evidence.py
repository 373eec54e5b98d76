"""Evidence: the ring's pre/post-roll window, jobs cut short when a camera drops, and the files."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from brightkitchen.edge.evidence import EvidenceFiles, EvidenceJob, EvidenceOptions, EvidenceRing, EvidenceWriter
from brightkitchen.edge.frames import Frame
from tests.edge.pipeline.conftest import dets
from tests.edge.pipeline.media_fixtures import dataset_images, letterbox

OPTS = EvidenceOptions(pre_s=5, post_s=5, fps=4, grace_s=2)
IMG = letterbox(dataset_images(1)[0], 640, 360)


def frame(t: float) -> Frame:
    return Frame("cam", IMG, t, t)


def job(t: float, done: list[tuple[EvidenceJob, EvidenceFiles]] | None = None) -> EvidenceJob:
    return EvidenceJob(
        event_id=f"evt{int(t * 1000):012d}",
        snapshot=IMG,
        boxes=dets(("face_no_mask", 0.8, 280, 60, 360, 160), track_ids=[3]),
        start=t - OPTS.pre_s,
        end=t + OPTS.post_s,
        on_written=lambda j, f: (done if done is not None else []).append((j, f)),
    )


def test_ring_collects_pre_and_post_roll() -> None:
    submitted: list[EvidenceJob] = []
    ring = EvidenceRing(OPTS, submitted.append)
    times = [i / 4 for i in range(0, 4 * 20)]
    for t in times[:41]:  # up to t = 10
        ring.add(frame(t))
    j = job(10.0)
    ring.attach(j)
    assert not submitted and ring.pending == 1
    for t in times[41:]:
        ring.add(frame(t))
    assert submitted == [j] and ring.pending == 0
    got = [t for t, _ in j.frames]
    assert got[0] == 5.0 and got[-1] == 15.0 and len(got) == 41


def test_late_trigger_still_gets_its_window() -> None:
    """Analysis lagged: the trigger for t=10 is attached when the ring is already at t=14.

    The ring keeps pre_s + post_s, so a lag of up to post_s costs no pre-roll."""
    submitted: list[EvidenceJob] = []
    ring = EvidenceRing(OPTS, submitted.append)
    for i in range(0, 4 * 14 + 1):
        ring.add(frame(i / 4))
    j = job(10.0)
    ring.attach(j)
    assert not submitted and j.frames[0][0] == 5.0
    for i in range(4 * 14 + 1, 4 * 16):
        ring.add(frame(i / 4))
    assert submitted == [j] and j.frames[-1][0] == 15.0 and len(j.frames) == 41


def test_camera_dropping_after_a_trigger_cuts_the_clip_short() -> None:
    submitted: list[EvidenceJob] = []
    ring = EvidenceRing(OPTS, submitted.append)
    for i in range(0, 4 * 12):
        ring.add(frame(i / 4))
    j = job(10.0)
    ring.attach(j)
    ring.flush(now=16.0)
    assert not submitted  # post-roll end 15 + grace 2 not reached
    ring.flush(now=17.5)
    assert submitted == [j] and j.frames[-1][0] < 12


def test_writer_renders_hashed_snapshot_and_clip(tmp_path: Path) -> None:
    done: list[tuple[EvidenceJob, EvidenceFiles]] = []
    writer = EvidenceWriter(tmp_path, OPTS)
    writer.start()
    ring = EvidenceRing(OPTS, writer.submit)
    j = job(10.0, done)
    for i in range(0, 4 * 10):
        ring.add(frame(i / 4))
    ring.attach(j)
    for i in range(4 * 10, 4 * 16):
        ring.add(frame(i / 4))
    writer.stop(30)
    assert writer.failed == 0 and len(done) == 1
    files = done[0][1]
    for path, sha, size in [
        (files.snapshot, files.snapshot_sha256, files.snapshot_size),
        (files.clip, files.clip_sha256, files.clip_size),
    ]:
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha and len(data) == size
    assert not list(tmp_path.rglob("*.tmp"))

    # The evidence is the original frame: nothing drawn on it, the box included (only JPEG's loss differs).
    snap = cv2.imread(str(files.snapshot))
    assert snap.shape == IMG.shape
    box_edge = (slice(58, 162), slice(278, 283))  # where a drawn box's left side and label would be
    assert np.abs(snap[box_edge].astype(int) - IMG[box_edge].astype(int)).mean() < 6
    assert np.abs(snap.astype(int) - IMG.astype(int)).mean() < 4

    head = files.clip.read_bytes()[:64]
    assert b"moov" in head  # faststart: the index comes before the media data
    with av.open(str(files.clip)) as c:
        s = c.streams.video[0]
        assert (s.codec_context.name, s.codec_context.pix_fmt) == ("h264", "yuv420p")
        decoded = list(c.decode(s))
    assert len(decoded) == 41
    assert abs(float(decoded[-1].time or 0) - 10.0) < 0.05  # 5 s before + 5 s after, real timing


def test_writer_survives_a_bad_job(tmp_path: Path) -> None:
    writer = EvidenceWriter(tmp_path, OPTS)
    writer.start()
    ok = threading.Event()
    bad = job(1.0)
    bad.snapshot = np.zeros((0, 0, 3), np.uint8)  # cannot be encoded
    writer.submit(bad)
    good = job(2.0)
    good.on_written = lambda j, f: ok.set()
    writer.submit(good)
    writer.stop(30)
    assert ok.is_set() and writer.failed == 1


def test_clip_keeps_frames_closer_than_one_period(tmp_path: Path) -> None:
    """Frames arrive with jitter under load; two within one 1/fps period must still make a valid clip."""
    import av
    import numpy as np

    from brightkitchen.edge.media import write_mp4

    img = np.zeros((360, 640, 3), np.uint8)
    times = [0.0, 0.1, 0.2, 0.3, 0.35, 1.0]
    write_mp4(tmp_path / "c.mp4", [(t, img) for t in times], 4.0)
    with av.open(str(tmp_path / "c.mp4")) as container:
        stream = container.streams.video[0]
        pts = [float(f.pts * stream.time_base) for f in container.decode(video=0)]
    assert pts == pytest.approx(times, abs=0.002)
