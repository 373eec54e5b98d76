"""What a camera found (``PendingEvent``) and, once its evidence is written, the ``ViolationEvent`` (the wire
record) and outbox files it becomes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brightkitchen.edge.clock import to_datetime
from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.evidence import EvidenceFiles
from brightkitchen.edge.media import Image
from brightkitchen.edge.outbox import EvidenceFile
from brightkitchen.protocol import Box, EvidenceKind, EvidenceRef, ViolationCode, ViolationEvent

MAX_BOXES = 200  # the protocol's limit


@dataclass(frozen=True)
class ClipRequest:
    """The clip window around a trigger, wall clock; its frames come from the camera's evidence ring."""

    start: float
    end: float


@dataclass(frozen=True, eq=False)
class PendingEvent:
    """A violation a camera pipeline found, before its evidence exists. The model that raised it is
    resolved once, by the camera, when the event is emitted."""

    camera_key: str
    code: ViolationCode
    started_at: float  # when the condition began to hold, epoch seconds
    at: float  # when it had held long enough
    score: float
    track_id: int | None
    boxes: Detections  # sent with the event as data (the snapshot is the frame as seen, nothing drawn)
    model_name: str
    model_version: str
    snapshot: Image  # the analysed frame that triggered, full size
    clip: ClipRequest
    frame_mono: float  # monotonic decode time of that frame: the frame -> stored latency
    test: bool = False  # an installer's test alert

    @property
    def frame_width(self) -> int:
        return int(self.snapshot.shape[1])

    @property
    def frame_height(self) -> int:
        return int(self.snapshot.shape[0])


def wire_boxes(dets: Detections, width: int, height: int) -> list[Box]:
    xyxy = dets.xyxy.copy()
    xyxy[:, [0, 2]] = xyxy[:, [0, 2]].clip(0, width)
    xyxy[:, [1, 3]] = xyxy[:, [1, 3]].clip(0, height)
    out: list[Box] = []
    for i in range(len(dets)):
        if len(out) >= MAX_BOXES:
            break
        if not (np.isfinite(dets.xyxy[i]).all() and np.isfinite(dets.scores[i])):
            continue  # a model's NaN or infinity is no box: the platform would refuse the whole event for it
        x1, y1, x2, y2 = (float(v) for v in xyxy[i])
        tid = None if dets.track_ids is None or dets.track_ids[i] < 0 else int(dets.track_ids[i])
        score = float(np.clip(dets.scores[i], 0.0, 1.0))
        out.append(Box(label=dets.labels[i][:64], score=score, x1=x1, y1=y1, x2=x2, y2=y2, track_id=tid))
    return out


def build_event(
    event_id: str, site_code: str, pending: PendingEvent, files: EvidenceFiles
) -> tuple[ViolationEvent, list[EvidenceFile]]:
    width, height = pending.frame_width, pending.frame_height
    event = ViolationEvent(
        event_id=event_id,
        site_code=site_code,
        camera_key=pending.camera_key,
        code=pending.code,
        started_at=to_datetime(pending.started_at),
        ended_at=to_datetime(pending.at),
        score=float(np.clip(pending.score, 0.0, 1.0)),
        boxes=wire_boxes(pending.boxes, width, height),
        track_id=pending.track_id,
        model_name=pending.model_name[:128],
        model_version=pending.model_version[:64],
        frame_width=width,
        frame_height=height,
        test=pending.test,
        evidence=[
            EvidenceRef(
                kind=EvidenceKind.snapshot,
                sha256=files.snapshot_sha256,
                size=files.snapshot_size,
                content_type="image/jpeg",
            ),
            EvidenceRef(
                kind=EvidenceKind.clip, sha256=files.clip_sha256, size=files.clip_size, content_type="video/mp4"
            ),
        ],
    )
    paths = [
        EvidenceFile(EvidenceKind.snapshot.value, files.snapshot, "image/jpeg"),
        EvidenceFile(EvidenceKind.clip.value, files.clip, "video/mp4"),
    ]
    return event, paths
