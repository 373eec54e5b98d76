"""The event stage: pending event -> evidence written (snapshot + clip) -> ``ViolationEvent`` -> outbox ->
uploader woken.

Cameras emit pending events from their analysis worker; the stage starts an evidence job on that camera's
ring of recent frames, which completes once the post-roll has arrived (or the camera went quiet). The one
evidence writer thread renders the files, and only then is the event built and stored: an event in the
outbox always has its evidence on disk.
"""

from __future__ import annotations

import logging
import threading
from collections import deque

from brightkitchen.edge.clock import Clock
from brightkitchen.edge.events import PendingEvent, build_event
from brightkitchen.edge.evidence import EvidenceFiles, EvidenceJob, EvidenceOptions, EvidenceRing, EvidenceWriter
from brightkitchen.edge.ids import new_event_id
from brightkitchen.edge.outbox import Outbox
from brightkitchen.edge.uploader import Uploader

log = logging.getLogger(__name__)


class EventStage:
    def __init__(
        self,
        outbox: Outbox,
        evidence: EvidenceOptions,
        clock: Clock,
        site_code: str,
        quota_bytes: int,
        uploader: Uploader | None = None,
    ) -> None:
        self.outbox, self.evidence, self.clock = outbox, evidence, clock
        self.site_code = site_code  # the platform's device config may change it: the agent sets it on apply
        self.quota_bytes = quota_bytes
        self.uploader = uploader
        self.writer = EvidenceWriter(outbox.root, evidence)
        self.quota_exceeded = False
        self.stored = 0
        self.latency: deque[float] = deque(maxlen=10_000)  # frame decode -> event stored, monotonic seconds
        self._rings: dict[str, EvidenceRing] = {}
        self._lock = threading.Lock()

    # lifecycle

    def start(self) -> None:
        self.writer.start()

    def stop(self, timeout: float | None = None) -> None:
        """Cameras and workers have stopped: cut every post-roll short rather than lose an event, write what is
        queued, then end."""
        self.flush(self.clock.now(), force=True)
        self.writer.stop(timeout)

    # cameras

    def open_ring(self, camera_key: str) -> EvidenceRing:
        """A fresh ring of evidence frames for a camera that (re)starts; it replaces the key's old ring."""
        ring = EvidenceRing(self.evidence, self.writer.submit)
        with self._lock:
            self._rings[camera_key] = ring
        return ring

    def close_ring(self, camera_key: str) -> None:
        """A camera stopped: the triggers it raised still become events, with the post-roll cut short."""
        with self._lock:
            ring = self._rings.pop(camera_key, None)
        if ring is not None:
            ring.flush(self.clock.now(), force=True)

    def flush(self, now: float, force: bool = False) -> None:
        """Hand on evidence jobs whose post-roll never came (see ``EvidenceRing.flush``)."""
        with self._lock:
            rings = list(self._rings.values())
        for ring in rings:
            ring.flush(now, force)

    # events

    def submit(self, pending: PendingEvent) -> None:
        """Called by a camera's analysis worker for each violation it found."""
        with self._lock:
            ring = self._rings.get(pending.camera_key)
        if ring is None:  # the camera was removed while its last frame was being analysed
            log.warning("%s on %s dropped: the camera has stopped", pending.code, pending.camera_key)
            return
        event_id = new_event_id(pending.at)
        job = EvidenceJob(
            event_id=event_id,
            snapshot=pending.snapshot,
            boxes=pending.boxes,
            start=pending.clip.start,
            end=pending.clip.end,
            on_written=lambda _job, files: self._store(pending, event_id, files),
        )
        ring.attach(job)

    def _store(self, pending: PendingEvent, event_id: str, files: EvidenceFiles) -> None:
        """Called by the evidence writer once the files exist: only now does the event exist."""
        event, paths = build_event(event_id, self.site_code, pending, files)
        self.outbox.add(event, paths, self.clock.now())
        self.enforce_quota()
        log.info("event %s %s on %s stored", event.event_id, event.code, event.camera_key)
        if self.uploader:
            self.uploader.wake()
        self.stored += 1
        self.latency.append(self.clock.monotonic() - pending.frame_mono)

    def enforce_quota(self) -> None:
        """Evicts delivered events' evidence, oldest first, down to the quota; ``quota_exceeded`` while it
        is still over (undelivered evidence is never evicted)."""
        self.quota_exceeded = self.outbox.enforce_quota(self.quota_bytes)
