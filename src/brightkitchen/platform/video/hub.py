"""What one platform process keeps in memory for video: wake-ups for the demand long-polls waiting in this
process, and when it last wrote "watched" for each camera (to write at most every THROTTLE_S). Other
processes learn of changes from the database, which every long-poll checks about twice a second."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from fastapi import FastAPI, Request

THROTTLE_S = 2.0

_create_lock = threading.Lock()


class VideoHub:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._waiters: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}
        self._written: dict[int, float] = {}

    def subscribe(self, site_id: int) -> asyncio.Event:
        """An event set whenever ``notify(site_id)`` is called (from any thread); call in the event loop."""
        event = asyncio.Event()
        with self._lock:
            self._waiters.setdefault(site_id, set()).add((asyncio.get_running_loop(), event))
        return event

    def unsubscribe(self, site_id: int, event: asyncio.Event) -> None:
        with self._lock:
            waiters = self._waiters.get(site_id, set())
            for item in [w for w in waiters if w[1] is event]:
                waiters.discard(item)
            if not waiters:
                self._waiters.pop(site_id, None)

    def notify(self, site_id: int) -> None:
        with self._lock:
            waiters = list(self._waiters.get(site_id, ()))
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that loop has closed: its poll is gone
                continue

    def should_write(self, camera_id: int, idle_s: float) -> bool:
        """True at most once per THROTTLE_S per camera (the caller then writes). Never less often than a
        quarter of ``idle_s``, so a watch this process keeps alive cannot lapse between two writes."""
        now = self._clock()
        with self._lock:
            last = self._written.get(camera_id)
            if last is not None and now - last < min(THROTTLE_S, idle_s / 4):
                return False
            self._written[camera_id] = now
            return True

    def forget(self, camera_id: int) -> None:
        """The next fetch writes again (a stream was just started or stopped)."""
        with self._lock:
            self._written.pop(camera_id, None)


def hub_of(app: FastAPI) -> VideoHub:
    hub: VideoHub | None = getattr(app.state, "video_hub", None)
    if hub is None:
        with _create_lock:
            hub = getattr(app.state, "video_hub", None)
            if hub is None:
                hub = VideoHub()
                app.state.video_hub = hub
    return hub


def get_hub(request: Request) -> VideoHub:
    return hub_of(request.app)
