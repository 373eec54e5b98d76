"""Playback: send the recorded segments of a range somebody asked for, then say it is done.

Each request is served once (its id is remembered). The work is done in small steps (one upload each) by the
uploader thread between live segments, so a half-hour range never holds live view up; a failed upload is
retried with backoff, a request the platform no longer knows (4xx) or no longer asks for is given up.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx

from brightkitchen.edge.clock import Clock
from brightkitchen.edge.sources.base import Backoff
from brightkitchen.edge.video.recording import RecordingStore
from brightkitchen.edge.video.uplink import VideoUplink
from brightkitchen.protocol.video import MAX_PLAYBACK_S, PlaybackDemand, PlaybackDone, SegmentMeta

log = logging.getLogger(__name__)

_REMEMBER = 4096  # served request ids kept, so a demand still listing one does not serve it twice


@dataclass
class _Job:
    demand: PlaybackDemand
    segments: Iterator[tuple[SegmentMeta, bytes]] | None = None
    pending: tuple[SegmentMeta, bytes] | None = None
    sent: int = 0
    done: PlaybackDone | None = None  # set once every segment is sent (or the request cannot be served)
    retry_at: float = 0.0
    backoff: Backoff = field(default_factory=lambda: Backoff(1.0, 30.0))


class Playback:
    def __init__(self, store: RecordingStore, known_cameras: Callable[[], set[str]], clock: Clock) -> None:
        self._store, self._known, self._clock = store, known_cameras, clock
        self._lock = threading.Lock()
        self._queue: deque[_Job] = deque()
        self._served: OrderedDict[str, None] = OrderedDict()
        self.completed: list[str] = []  # request ids whose done was accepted, newest last (bounded)
        self.last_error: str | None = None

    def submit(self, demands: list[PlaybackDemand]) -> None:
        """The playback requests the platform lists now: new ones are queued, ones it dropped are given up."""
        listed = {d.request_id for d in demands}
        with self._lock:
            self._queue = deque(j for j in self._queue if j.demand.request_id in listed)
            queued = {j.demand.request_id for j in self._queue}
            for d in demands:
                if d.request_id not in self._served and d.request_id not in queued:
                    self._queue.append(_Job(d))
                    queued.add(d.request_id)

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def step(self, uplink: VideoUplink) -> bool:
        """One upload of the oldest request; False when there was nothing to do now (idle or waiting to retry)."""
        with self._lock:
            job = self._queue[0] if self._queue else None
        if job is None or job.retry_at > self._clock.monotonic():
            return False
        try:
            ok = self._advance(job, uplink)
        except (httpx.HTTPError, OSError) as exc:
            ok = False
            self.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if not ok:
            job.retry_at = self._clock.monotonic() + job.backoff.next_delay()
        else:
            job.backoff.reset()
        return ok

    def _advance(self, job: _Job, uplink: VideoUplink) -> bool:
        rid = job.demand.request_id
        if job.done is None and job.segments is None:
            job.done = self._refusal(job.demand)
            if job.done is None:
                job.segments = self._store.segments(job.demand.camera_key, job.demand.start, job.demand.end)
        if job.done is None:
            if job.pending is None:
                assert job.segments is not None
                job.pending = next(job.segments, None)
            if job.pending is None:
                job.done = self._finished(job)
            else:
                meta, data = job.pending
                resp = uplink.put_playback(rid, job.sent, meta, data)
                if not self._accepted(job, resp):
                    return False
                job.sent += 1
                job.pending = None
                return True
        resp = uplink.post_playback_done(rid, job.done)
        if not self._accepted(job, resp):
            return False
        self._finish(job, delivered=True)
        return True

    def _accepted(self, job: _Job, resp: httpx.Response) -> bool:
        if resp.is_success:
            return True
        self.last_error = f"HTTP {resp.status_code} for playback {job.demand.request_id}"
        if 400 <= resp.status_code < 500 and resp.status_code not in (408, 429):
            log.warning("playback %s refused (%s); giving it up", job.demand.request_id, resp.status_code)
            self._finish(job, delivered=False)
        return False

    def _finish(self, job: _Job, delivered: bool) -> None:
        with self._lock:
            if self._queue and self._queue[0] is job:
                self._queue.popleft()
            self._served[job.demand.request_id] = None
            while len(self._served) > _REMEMBER:
                self._served.popitem(last=False)
            if delivered:
                self.completed = [*self.completed[-99:], job.demand.request_id]

    def _refusal(self, d: PlaybackDemand) -> PlaybackDone | None:
        if d.camera_key not in self._known() and d.camera_key not in self._store.cameras():
            return PlaybackDone(segments=0, error="unknown_camera")
        if (d.end - d.start).total_seconds() > MAX_PLAYBACK_S:
            return self._done(d.camera_key, 0, "range_too_long")
        return None

    def _finished(self, job: _Job) -> PlaybackDone:
        return self._done(job.demand.camera_key, job.sent, None if job.sent else "no_recording")

    def _done(self, camera_key: str, segments: int, error: str | None) -> PlaybackDone:
        held = self._store.range(camera_key)
        return PlaybackDone.model_validate(
            {
                "segments": segments,
                "error": error,
                "recorded_from": held.recorded_from if held else None,
                "recorded_until": held.recorded_until if held else None,
            }
        )
