"""A trigger plus its written evidence becomes a ``ViolationEvent`` (the wire record) and outbox files."""

from __future__ import annotations

import numpy as np

from brightkitchen.edge.clock import to_datetime
from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.evidence import EvidenceFiles
from brightkitchen.edge.outbox import EvidenceFile
from brightkitchen.edge.rules import Trigger
from brightkitchen.protocol import Box, EvidenceKind, EvidenceRef, ViolationEvent

MAX_BOXES = 200  # the protocol's limit


def wire_boxes(dets: Detections, width: int, height: int) -> list[Box]:
    xyxy = dets.xyxy.copy()
    xyxy[:, [0, 2]] = xyxy[:, [0, 2]].clip(0, width)
    xyxy[:, [1, 3]] = xyxy[:, [1, 3]].clip(0, height)
    out = []
    for i in range(min(len(dets), MAX_BOXES)):
        x1, y1, x2, y2 = (float(v) for v in xyxy[i])
        tid = None if dets.track_ids is None or dets.track_ids[i] < 0 else int(dets.track_ids[i])
        score = float(np.clip(dets.scores[i], 0.0, 1.0))
        out.append(Box(label=dets.labels[i][:64], score=score, x1=x1, y1=y1, x2=x2, y2=y2, track_id=tid))
    return out


def build_event(
    event_id: str,
    site_code: str,
    camera_key: str,
    trigger: Trigger,
    files: EvidenceFiles,
    width: int,
    height: int,
    model_name: str,
    model_version: str,
) -> tuple[ViolationEvent, list[EvidenceFile]]:
    event = ViolationEvent(
        event_id=event_id,
        site_code=site_code,
        camera_key=camera_key,
        code=trigger.code,
        started_at=to_datetime(trigger.started_at),
        ended_at=to_datetime(trigger.at),
        score=float(np.clip(trigger.score, 0.0, 1.0)),
        boxes=wire_boxes(trigger.boxes, width, height),
        track_id=trigger.track_id,
        model_name=model_name[:128],
        model_version=model_version[:64],
        frame_width=width,
        frame_height=height,
        test=trigger.test,
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
