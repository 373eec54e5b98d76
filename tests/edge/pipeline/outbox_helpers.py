"""Events with real evidence files, stored in an outbox: shared by the outbox tests and the kill -9 child."""

from __future__ import annotations

from pathlib import Path

from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.events import ClipRequest, PendingEvent, build_event
from brightkitchen.edge.evidence import EvidenceJob, EvidenceOptions, EvidenceWriter
from brightkitchen.edge.outbox import Outbox
from brightkitchen.protocol import ViolationCode
from tests.edge.pipeline.media_fixtures import dataset_images, letterbox

T0 = 1_717_380_000.0


def add_event(outbox: Outbox, event_id: str, t: float = T0, width: int = 320) -> bool:
    """Write the evidence, then store the event (what the agent does). False if already stored."""
    if outbox.state_of(event_id) is not None:
        return False
    img = letterbox(dataset_images(1)[0], width, width * 9 // 16 // 2 * 2)
    boxes = Detections.from_lists([[10, 10, 60, 60]], [0.8], ["face_no_mask"], [1])
    writer = EvidenceWriter(outbox.root, EvidenceOptions(fps=2))
    job = EvidenceJob(event_id, img, boxes, t - 1, t + 1, lambda j, f: None, frames=[(t - 1, img), (t, img)])
    files = writer.render(job)
    pending = PendingEvent(
        "cam-1", ViolationCode.no_mask, t - 3, t, 0.8, 1, boxes, "test", "1", img, ClipRequest(t - 1, t + 1), t
    )
    event, paths = build_event(event_id, "SITE-1", pending, files)
    return outbox.add(event, paths, t)


def open_outbox(data: Path) -> Outbox:
    return Outbox(data / "outbox.sqlite3", data / "evidence")
