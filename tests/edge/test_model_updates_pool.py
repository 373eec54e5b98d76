"""``AnalysisPool.replace`` with real worker threads: every worker moves to its own new detector at its next
frame, no frame is lost or analysed twice, a camera's frames stay in order, no detector ever serves two threads."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pytest

from brightkitchen.edge.detect.base import Detections, SingleModel
from brightkitchen.edge.queues import DropOldestQueue
from brightkitchen.edge.workers import AnalysisPool


class GuardedDetector(SingleModel):
    """Fails the test if two threads are ever inside ``detect`` at once."""

    def __init__(self, name: str) -> None:
        self.name, self.version = name, "1"
        self._busy = threading.Lock()
        self.overlaps = 0
        self.threads: set[str] = set()

    def detect(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        if not self._busy.acquire(blocking=False):
            self.overlaps += 1
            return Detections.empty()
        try:
            self.threads.add(threading.current_thread().name)
            time.sleep(0.002)
            return Detections.empty()
        finally:
            self._busy.release()


@dataclass
class Frame:
    number: int
    image: npt.NDArray[np.uint8] = field(default_factory=lambda: np.zeros((4, 4, 3), np.uint8))


class Camera:
    """What the pool needs of a camera pipeline: a queue, the scheduling flags, ``process``."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.queue: DropOldestQueue[Frame] = DropOldestQueue(10_000)
        self.sched_lock = threading.Lock()
        self.scheduled = False
        self.closed = False
        self.seen: list[tuple[int, str]] = []

    def process(self, frame: Frame, detector: GuardedDetector) -> None:
        detector.detect(frame.image)
        self.seen.append((frame.number, detector.name))


def test_replace_moves_every_worker_at_its_next_frame_and_loses_nothing() -> None:
    old = [GuardedDetector(f"old-{i}") for i in range(3)]
    new = [GuardedDetector(f"new-{i}") for i in range(3)]
    pool = AnalysisPool(list(old))
    cameras = [Camera(f"cam{i}") for i in range(4)]
    pool.start()
    try:
        for n in range(400):
            cam = cameras[n % 4]
            cam.queue.put(Frame(n))
            pool.schedule(cam)  # type: ignore[arg-type]
            if n == 200:
                pool.replace(list(new))
                replaced_at = sum(len(c.seen) for c in cameras)
            time.sleep(0.0005)
        deadline = time.monotonic() + 20
        while sum(len(c.seen) for c in cameras) < 400 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        pool.stop(10)
    for cam in cameras:
        numbers = [n for n, _ in cam.seen]
        assert numbers == sorted(numbers) and len(numbers) == 100  # in order, none lost, none twice
    seen = [entry for cam in cameras for entry in cam.seen]
    assert sum(d.overlaps for d in old + new) == 0
    for i, d in enumerate(old + new):
        assert d.threads <= {f"analysis-{i % 3}"}, d.name  # each detector only ever on its own worker
    assert not [n for n, name in seen if name.startswith("old") and n > 200]  # queued after: never the old ones
    assert sum(name.startswith("old") for _, name in seen) <= replaced_at + 3  # at most one frame in flight a worker
    assert {name for _, name in seen if name.startswith("new")} and pool.detectors == new


def test_replace_wants_one_detector_per_worker() -> None:
    pool = AnalysisPool([GuardedDetector("a"), GuardedDetector("b")])
    with pytest.raises(ValueError, match="2 workers, not 1"):
        pool.replace([GuardedDetector("c")])
