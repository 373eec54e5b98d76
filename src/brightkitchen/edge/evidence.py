"""Evidence for each trigger: a per-camera ring of recent small frames, and one writer thread.

A trigger becomes a job holding the pre-roll from the ring; the ring keeps feeding it until the
post-roll is complete (or the camera went quiet), then the writer renders the snapshot and the MP4 clip
and calls the job's ``on_written``. Only then does an event exist. The snapshot is the original frame (it is
the evidence): the boxes are sent as data with the event, never drawn into the picture.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.frames import Frame
from brightkitchen.edge.media import Image, fit_width, sha256_file, write_jpeg, write_mp4
from brightkitchen.edge.queues import DropOldestQueue

log = logging.getLogger(__name__)


class EvidenceOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pre_s: float = Field(default=5.0, ge=0, le=60)
    post_s: float = Field(default=5.0, ge=0, le=60)
    fps: float = Field(default=4.0, gt=0, le=30, description="clip frame rate (kept in memory per camera)")
    max_width: int = Field(default=640, ge=160, le=1920, description="clip width; the snapshot keeps full size")
    jpeg_quality: int = Field(default=85, ge=30, le=100)
    crf: int = Field(default=28, ge=10, le=45)
    preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"] = "veryfast"
    grace_s: float = Field(default=5.0, ge=0, le=120, description="wait this long past the post-roll for frames")


@dataclass(frozen=True)
class EvidenceFiles:
    snapshot: Path
    snapshot_sha256: str
    snapshot_size: int
    clip: Path
    clip_sha256: str
    clip_size: int


@dataclass(eq=False)
class EvidenceJob:
    event_id: str
    snapshot: Image  # the analysed frame that triggered, full size
    boxes: Detections  # sent with the event as data; the snapshot stays as the camera saw it
    start: float  # clip window, wall clock
    end: float
    on_written: Callable[[EvidenceJob, EvidenceFiles], None]
    frames: list[tuple[float, Image]] = field(default_factory=list)


class EvidenceRing:
    """One camera's recent evidence frames (pre-roll plus post-roll of slack for late triggers)."""

    def __init__(self, opts: EvidenceOptions, submit: Callable[[EvidenceJob], None]) -> None:
        self.opts, self._submit = opts, submit
        self._frames: deque[tuple[float, Image]] = deque()
        self._jobs: list[EvidenceJob] = []
        self._lock = threading.Lock()

    def add(self, frame: Frame) -> None:
        """Called from the camera's source thread for each evidence frame."""
        done = []
        with self._lock:
            self._frames.append((frame.t, frame.image))
            keep_from = frame.t - self.opts.pre_s - self.opts.post_s
            while self._frames and self._frames[0][0] < keep_from:
                self._frames.popleft()
            for job in self._jobs:
                if frame.t <= job.end:
                    job.frames.append((frame.t, frame.image))
                if frame.t >= job.end:
                    done.append(job)
            self._jobs = [j for j in self._jobs if j not in done]
        for job in done:
            self._submit(job)

    def attach(self, job: EvidenceJob) -> None:
        """Start a job: the frames already held in its window, and any that arrive until its end."""
        with self._lock:
            job.frames.extend((t, img) for t, img in self._frames if job.start <= t <= job.end)
            complete = bool(self._frames) and self._frames[-1][0] >= job.end
            if not complete:
                self._jobs.append(job)
        if complete:
            self._submit(job)

    def flush(self, now: float, force: bool = False) -> None:
        """Hand on jobs whose post-roll never came (camera dropped) once ``grace_s`` has passed, or all."""
        with self._lock:
            due = [j for j in self._jobs if force or now >= j.end + self.opts.grace_s]
            self._jobs = [j for j in self._jobs if j not in due]
        for job in due:
            self._submit(job)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._jobs)


class EvidenceWriter:
    """One thread that renders evidence for every camera, so encoding never blocks analysis."""

    def __init__(self, root: Path, opts: EvidenceOptions, max_queue: int = 64) -> None:
        self.root, self.opts = root, opts
        self._queue: DropOldestQueue[EvidenceJob | None] = DropOldestQueue(max_queue)
        self._thread = threading.Thread(target=self._run, name="evidence-writer", daemon=True)
        self.written = 0
        self.failed = 0

    def start(self) -> None:
        self._thread.start()

    def submit(self, job: EvidenceJob) -> None:
        if self._queue.put(job) is not None:
            self.failed += 1
            log.error("evidence queue full: the oldest pending evidence job was dropped")

    def stop(self, timeout: float | None = None) -> None:
        """Finish what is queued, then end."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                files = self.render(job)
                self.written += 1
                job.on_written(job, files)
            except Exception:  # one bad job must not end evidence for every camera
                self.failed += 1
                log.exception("evidence for event %s could not be written or stored", job.event_id)

    def render(self, job: EvidenceJob) -> EvidenceFiles:
        folder = self.root / time.strftime("%Y%m%d", time.gmtime(job.start))
        folder.mkdir(parents=True, exist_ok=True)
        snap, clip = folder / f"{job.event_id}.jpg", folder / f"{job.event_id}.mp4"
        write_jpeg(snap, job.snapshot, self.opts.jpeg_quality)
        frames = sorted(job.frames, key=lambda f: f[0]) or [(job.start, fit_width(job.snapshot, self.opts.max_width))]
        write_mp4(clip, frames, self.opts.fps, self.opts.crf, self.opts.preset)
        return EvidenceFiles(snap, sha256_file(snap), snap.stat().st_size, clip, sha256_file(clip), clip.stat().st_size)
