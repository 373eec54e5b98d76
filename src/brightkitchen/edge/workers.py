"""The analysis pool: a few threads, each with its own detector, sharing every camera fairly.

Detectors are not safe to share between threads (cv2.dnn nets), so each worker holds one. A camera is
handed to at most one worker at a time (its frames stay in order and its tracker single-threaded), and
cameras take turns in the order their frames arrived. OpenCV and onnxruntime release the GIL while
they compute, so the workers run in parallel. ``replace`` hands every worker a new detector (new models
arrived over the air): each takes its own at its next frame, so no frame is lost and none is shared.
"""

from __future__ import annotations

import logging
import queue
import threading

from brightkitchen.edge.camera import CameraPipeline
from brightkitchen.edge.detect.base import Detector

log = logging.getLogger(__name__)


class AnalysisPool:
    def __init__(self, detectors: list[Detector]) -> None:
        if not detectors:
            raise ValueError("the analysis pool needs at least one detector")
        self.detectors = detectors
        self._ready: queue.Queue[CameraPipeline | None] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._work, args=(i,), name=f"analysis-{i}", daemon=True)
            for i in range(len(detectors))
        ]
        self.errors = 0

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self, timeout: float | None = None) -> None:
        for _ in self._threads:
            self._ready.put(None)
        for t in self._threads:
            t.join(timeout)

    def replace(self, detectors: list[Detector]) -> None:
        """One new detector per worker; worker i moves to ``detectors[i]`` at its next frame."""
        if len(detectors) != len(self._threads):
            raise ValueError(f"the pool has {len(self._threads)} workers, not {len(detectors)}")
        self.detectors = list(detectors)  # one assignment: a worker reads either the old list or the new one

    def schedule(self, camera: CameraPipeline) -> None:
        """Called by a camera's source after it queued a frame."""
        with camera.sched_lock:
            if not camera.scheduled:
                camera.scheduled = True
                self._ready.put(camera)

    def _work(self, index: int) -> None:
        while True:
            camera = self._ready.get()
            if camera is None:
                return
            frame = camera.queue.get_nowait()
            if frame is not None and not camera.closed:
                try:
                    camera.process(frame, self.detectors[index])
                except Exception:  # a bad frame or model error must not stop analysis of every camera
                    self.errors += 1
                    log.exception("camera %s: analysis failed", camera.key)
            with camera.sched_lock:
                if len(camera.queue) and not camera.closed:
                    self._ready.put(camera)  # back of the line: other cameras go first
                else:
                    camera.scheduled = False
