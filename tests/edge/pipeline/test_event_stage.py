"""The event stage: a pending event becomes a stored event only once its evidence is on disk; a stopped camera's
events are still stored, with the post-roll cut short."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from brightkitchen.edge.event_stage import EventStage
from brightkitchen.edge.events import ClipRequest, PendingEvent
from brightkitchen.edge.evidence import EvidenceOptions, EvidenceRing
from brightkitchen.edge.frames import Frame
from brightkitchen.edge.outbox import Outbox
from brightkitchen.protocol import EvidenceKind, ViolationCode, ViolationEvent
from tests.edge.pipeline.conftest import FakeClock, dets, wait_for
from tests.edge.pipeline.media_fixtures import dataset_images, letterbox

OPTS = EvidenceOptions(pre_s=1, post_s=1, fps=4, grace_s=1)
IMG = letterbox(dataset_images(1)[0], 640, 360)
T0 = 1_717_380_000.0


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "outbox.sqlite3", tmp_path / "evidence")
    yield box
    box.close()


def pending(camera_key: str, at: float, test: bool = False) -> PendingEvent:
    return PendingEvent(
        camera_key=camera_key,
        code=ViolationCode.no_mask,
        started_at=at - 3,
        at=at,
        score=0.8,
        track_id=3,
        boxes=dets(("face_no_mask", 0.8, 280, 60, 360, 160), track_ids=[3]),
        model_name="mask-model",
        model_version="7",
        snapshot=IMG,
        clip=ClipRequest(at - OPTS.pre_s, at + OPTS.post_s),
        frame_mono=at - 0.5,
        test=test,
    )


def feed(ring: EvidenceRing, start: float, end: float) -> None:
    """Evidence frames at the evidence rate, as a camera's source hands them on."""
    for i in range(round((end - start) * OPTS.fps) + 1):
        t = start + i / OPTS.fps
        ring.add(Frame("cam", IMG, t, t))


def stored(outbox: Outbox) -> list[ViolationEvent]:
    item = outbox.next_due(float("inf"))
    return [] if item is None else [ViolationEvent.model_validate_json(item.payload)]


def test_event_is_stored_after_its_post_roll_with_what_the_camera_resolved(outbox: Outbox) -> None:
    clock = FakeClock(T0 + 1.5)
    stage = EventStage(outbox, OPTS, clock, "SITE-A", 10 * 1024 * 1024)
    stage.start()
    try:
        ring = stage.open_ring("cam")
        feed(ring, T0, T0 + 1)
        stage.site_code = "SITE-B"  # the platform's config changed the site code meanwhile
        stage.submit(pending("cam", T0 + 1, test=True))
        assert not wait_for(lambda: bool(stored(outbox)), 0.5), "stored before the post-roll arrived"
        feed(ring, T0 + 1.25, T0 + 2)
        assert wait_for(lambda: bool(stored(outbox)), 10)
    finally:
        stage.stop(5)
    [event] = stored(outbox)
    assert (event.site_code, event.camera_key, event.code) == ("SITE-B", "cam", ViolationCode.no_mask)
    assert (event.model_name, event.model_version, event.test, event.track_id) == ("mask-model", "7", True, 3)
    assert (event.frame_width, event.frame_height) == (640, 360)
    assert [b.label for b in event.boxes] == ["face_no_mask"]
    item = outbox.next_due(float("inf"))
    assert item is not None
    for ref in event.evidence:
        path = next(f.path for f in item.files if f.kind == ref.kind.value)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == ref.sha256
    assert {ref.kind for ref in event.evidence} == {EvidenceKind.snapshot, EvidenceKind.clip}
    assert stage.stored == 1 and list(stage.latency) == [pytest.approx(1.0)]  # stored at T0 + 1.5, decoded T0 + 0.5


def test_a_stopped_camera_still_gets_its_events_and_a_removed_one_gets_none(outbox: Outbox) -> None:
    stage = EventStage(outbox, OPTS, FakeClock(T0 + 1), "SITE-A", 10 * 1024 * 1024)
    stage.start()
    try:
        feed(stage.open_ring("cam"), T0, T0 + 1)
        stage.submit(pending("cam", T0 + 1))
        stage.close_ring("cam")  # the post-roll never comes: cut short, not lost
        assert wait_for(lambda: outbox.counts().pending == 1, 10)
        stage.submit(pending("cam", T0 + 1.5))  # analysed after its camera was removed: nowhere to take a clip
    finally:
        stage.stop(5)
    assert outbox.counts().pending == 1 and stage.stored == 1
