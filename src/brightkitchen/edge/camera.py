"""One camera's pipeline: source -> bounded queue -> (detect in a worker) -> track -> rules -> pending event.

The source thread only decodes and queues; a worker of the shared pool runs ``process`` for one frame of
one camera at a time, so tracker and rule state are never touched by two threads at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2

from brightkitchen.edge.clock import Clock, to_datetime
from brightkitchen.edge.detect.base import Detections, Detector
from brightkitchen.edge.detect.stack import CameraModels
from brightkitchen.edge.events import ClipRequest, PendingEvent
from brightkitchen.edge.evidence import EvidenceRing
from brightkitchen.edge.frames import Frame
from brightkitchen.edge.queues import DropOldestQueue
from brightkitchen.edge.rules import Rule, Scene, Trigger
from brightkitchen.edge.sources import SourceOptions, StreamSource
from brightkitchen.edge.sources.pyav import PacketTap
from brightkitchen.edge.track import ByteTracker, TrackerOptions
from brightkitchen.protocol import CameraHealth, ViolationCode

log = logging.getLogger(__name__)

EventSink = Callable[[PendingEvent], None]


@dataclass(frozen=True)
class CameraSetup:
    """What one camera pipeline works with: its options, rules and models, and the stages around it."""

    source: SourceOptions
    tracker: TrackerOptions
    rules: list[Rule]
    models: CameraModels
    ring: EvidenceRing  # its recent evidence frames, held for the event stage (whose options it carries)
    clock: Clock
    emit: EventSink  # where each violation found goes (the event stage)
    schedule: Callable[[CameraPipeline], None]  # asks the analysis pool for a turn once a frame is queued
    packets: PacketTap | None = None  # the recorder, fed from this camera's one connection


@dataclass
class CameraStats:
    """Counters for heartbeats and the benchmark. Latencies are monotonic seconds from frame decode."""

    processed: int = 0
    triggers: int = 0
    detect_s: float = 0.0  # pure model inference, wall clock
    detect_cpu_s: float = 0.0  # the same, CPU time of the worker thread (contention does not inflate it)
    process_s: float = 0.0  # detect + track + rules
    decision_latency: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))  # frame -> rules done


class CameraPipeline:
    def __init__(self, key: str, url: str, setup: CameraSetup) -> None:
        self.key, self.url, self.clock = key, url, setup.clock
        self.queue: DropOldestQueue[Frame] = DropOldestQueue(setup.source.queue_size)
        self.tracker = ByteTracker(setup.tracker)
        self.rules = setup.rules
        self.models = setup.models
        self.ring = setup.ring
        self._last: tuple[Frame, Detector] | None = None  # for test alerts
        self.stats = CameraStats()
        self.closed = False
        self.sched_lock = threading.Lock()
        self.scheduled = False
        self._emit, self._schedule = setup.emit, setup.schedule
        evidence = setup.ring.opts
        self.source = StreamSource(
            key,
            url,
            setup.source,
            setup.clock,
            on_analysis=self._queue_frame,
            on_evidence=self.ring.add,
            evidence_fps=evidence.fps,
            evidence_max_width=evidence.max_width,
            on_packet=setup.packets,
        )

    def start(self) -> None:
        self.source.start()

    def stop(self) -> None:
        self.closed = True
        self.source.stop()

    def _queue_frame(self, frame: Frame) -> None:
        self.queue.put(frame)
        self._schedule(self)

    def latest_picture(self, max_width: int = 640, quality: int = 80) -> bytes | None:
        """The latest analysed frame as a small JPEG (for the cameras page and the public page)."""
        last = self._last
        if last is None:
            return None
        image = last[0].image
        if image.shape[1] > max_width:
            size = (max_width, round(image.shape[0] * max_width / image.shape[1]))
            ok, buf = cv2.imencode(".jpg", cv2.resize(image, size, interpolation=cv2.INTER_AREA),
                                   [cv2.IMWRITE_JPEG_QUALITY, quality])  # fmt: skip
            return buf.tobytes() if ok else None
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        return buf.tobytes() if ok else None

    def test_alert(self, code: ViolationCode) -> bool:
        """Raises a test alert on the latest analysed frame through the normal evidence and event path.
        False when this camera has not analysed a frame yet."""
        last = self._last
        if last is None:
            return False
        frame, detector = last
        self._emit_event(Trigger(code, frame.t, frame.t, 1.0, None, Detections.empty(), test=True), frame, detector)
        return True

    def process(self, frame: Frame, detector: Detector) -> list[Trigger]:
        """Detect, track and apply the rules to one frame; emit a pending event for each trigger."""
        self._last = (frame, detector)
        t0, c0 = time.perf_counter(), time.thread_time()
        dets = Detections.merge([detector.detect(frame.image), *(d.detect(frame.image) for d in self.models.detectors)])
        t1, c1 = time.perf_counter(), time.thread_time()
        tracked = self.tracker.update(dets, frame.t)
        scene = Scene(frame.t, frame.width, frame.height, tracked)
        triggers = [trig for rule in self.rules for trig in rule.step(scene)]
        s = self.stats
        s.processed += 1
        s.detect_s += t1 - t0
        s.detect_cpu_s += c1 - c0
        s.process_s += time.perf_counter() - t0
        s.decision_latency.append(self.clock.monotonic() - frame.mono)
        for trig in triggers:
            s.triggers += 1
            self._emit_event(trig, frame, detector)
        return triggers

    def _emit_event(self, trig: Trigger, frame: Frame, detector: Detector) -> None:
        model = self.models.by_code.get(trig.code, detector)  # the model whose labels raised it
        o = self.ring.opts
        pending = PendingEvent(
            camera_key=self.key,
            code=trig.code,
            started_at=trig.started_at,
            at=trig.at,
            score=trig.score,
            track_id=trig.track_id,
            boxes=trig.boxes,
            model_name=model.name,
            model_version=model.version,
            snapshot=frame.image,
            clip=ClipRequest(trig.at - o.pre_s, trig.at + o.post_s),
            frame_mono=frame.mono,
            test=trig.test,
        )
        self._emit(pending)

    def health(self) -> CameraHealth:
        h = self.source.health()
        return CameraHealth(
            camera_key=self.key,
            status=h.status,
            fps=round(h.fps, 2),
            frames_dropped=self.queue.dropped,
            frames_sampled=h.frames_sampled,
            last_frame_at=None if h.last_frame_at is None else to_datetime(h.last_frame_at),
            error=h.error,
        )
