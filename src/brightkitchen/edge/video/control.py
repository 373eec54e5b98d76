"""The control channel: a long-poll for what the platform wants from this device's video, applied as it comes.

The platform answers at once when its demand differs from the version we hold, so a viewer's request reaches
the edge as soon as the platform knows it. A platform that is down, refuses or answers garbage is retried
with backoff; nothing here ever stops the agent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import httpx
from pydantic import ValidationError

from brightkitchen.edge.sources.base import Backoff
from brightkitchen.edge.video.uplink import VideoUplink
from brightkitchen.protocol.video import VideoDemand

log = logging.getLogger(__name__)


class ControlChannel:
    def __init__(
        self,
        uplink: VideoUplink,
        on_demand: Callable[[VideoDemand], None],
        wait_s: float = 25.0,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 15.0,
    ) -> None:
        self._uplink, self._on_demand, self.wait_s = uplink, on_demand, wait_s
        self._backoff = Backoff(backoff_initial_s, backoff_max_s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="video-control", daemon=True)
        self.version: str | None = None
        self.polls = 0
        self.failures = 0
        self.last_error: str | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._uplink.interrupt_poll()

    def join(self, timeout: float | None = None) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                demand = self._uplink.get_demand(self.version, self.wait_s)
            except (httpx.HTTPError, ValidationError, OSError, RuntimeError) as exc:
                # RuntimeError: the client was closed under a poll in flight by stop().
                if self._stop.is_set():
                    return
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"[:500]
                delay = self._backoff.next_delay()
                log.info("video demand poll failed (%s); retrying in %.1fs", self.last_error, delay)
                self._stop.wait(delay)
                continue
            self.polls += 1
            self._backoff.reset()
            self.last_error = None
            if self._stop.is_set():
                return
            if demand.version != self.version:
                try:
                    self._on_demand(demand)
                except Exception:  # applying must not kill the channel; the next change is tried afresh
                    log.exception("could not apply the video demand %s", demand.version)
                self.version = demand.version
            if demand.poll_after_s:
                self._stop.wait(demand.poll_after_s)
