"""Heartbeats gathered per worker process and written together: a heartbeat request only validates,
authenticates, rate-limits and hands its report here, then answers 204. One background thread writes all
gathered devices every ``heartbeat_flush_s`` in one transaction (health.service.write_heartbeats), and once
more when the worker stops.

A device reporting twice before a write costs one write (the latest report wins; see service.Pending for what
is kept besides). While the database cannot be reached the reports stay gathered and the write is retried;
the buffer is bounded (``MAX_DEVICES``): past it a new device's heartbeat is refused with 503 and Retry-After,
which devices retry anyway."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.exc import InterfaceError, OperationalError

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.health.service import Pending, write_heartbeats
from brightkitchen.platform.problems import Problem
from brightkitchen.protocol.v1 import Heartbeat

log = logging.getLogger(__name__)

MAX_DEVICES = 200_000  # several minutes of a province's heartbeats in one worker


class HeartbeatBuffer:
    def __init__(
        self, ctx: PlatformContext, interval_s: float, *, max_devices: int = MAX_DEVICES,
        on_refused: Callable[[list[int]], None] | None = None,
    ) -> None:  # fmt: skip
        self.ctx, self.interval_s, self.max_devices = ctx, interval_s, max_devices
        self.on_refused = on_refused  # told the devices whose key turned out revoked, replaced or gone
        self._pending: dict[int, Pending] = {}
        self._lock = threading.Lock()  # guards _pending
        self._writing = threading.Lock()  # one write at a time: the thread's, or the final one
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.failed_writes = 0

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, principal: Principal, hb: Heartbeat, now: datetime, key_digest: str | None = None) -> None:
        assert principal.site_id is not None
        with self._lock:
            pending = self._pending.get(principal.id)
            if pending is None:
                if len(self._pending) >= self.max_devices:
                    raise Problem(503, "Service unavailable", "heartbeats cannot be stored right now; retry later",
                                  headers={"Retry-After": "30"}, code="unavailable")  # fmt: skip
                pending = self._pending[principal.id] = Pending(principal.id, principal.site_id)
            pending.add(hb, now)
            pending.key_digest = key_digest
        if self._thread is None:
            self.start()

    def flush(self) -> int:
        """Writes what is gathered; returns how many devices were written. Never raises: what could not be
        written because the database is unreachable stays for the next try."""
        with self._writing:
            with self._lock:
                batch, self._pending = self._pending, {}
            if not batch:
                return 0
            try:
                return self._write(list(batch.values()))
            except (OperationalError, InterfaceError) as exc:
                self._keep(batch)
                self.failed_writes += 1
                log.warning("heartbeats of %d devices not written, kept for the next try: %s", len(batch), exc)
                return 0
            except Exception:
                # Something in one device's report: write them one by one, so only that one is lost.
                log.exception("writing %d devices' heartbeats failed; writing them one by one", len(batch))
                return self._one_by_one(batch)

    def _write(self, batch: list[Pending]) -> int:
        refused: list[int] = []
        with self.ctx.sessions() as session:
            written = write_heartbeats(session, self.ctx.settings, batch, refused)
        if refused and self.on_refused is not None:
            self.on_refused(refused)
        return written

    def _one_by_one(self, batch: dict[int, Pending]) -> int:
        written = 0
        for device_id, pending in batch.items():
            try:
                written += self._write([pending])
            except (OperationalError, InterfaceError):
                self._keep({device_id: pending})
            except Exception:
                log.exception("heartbeat of device %d dropped", device_id)
        return written

    def _keep(self, batch: dict[int, Pending]) -> None:
        """Puts an unwritten batch back in front of what arrived meanwhile, within the bound."""
        with self._lock:
            for device_id, newer in self._pending.items():
                older = batch.get(device_id)
                if older is None:
                    batch[device_id] = newer
                else:
                    older.merge(newer)
            while len(batch) > self.max_devices:
                del batch[next(iter(batch))]  # the oldest devices go first
            self._pending = batch

    def start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stopping.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="heartbeat-flusher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval_s):
            self.flush()

    def stop(self) -> None:
        """Stops the thread and writes what is left."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        self.flush()


_create_lock = threading.Lock()


def heartbeats_for(app: FastAPI, on_refused: Callable[[list[int]], None] | None = None) -> HeartbeatBuffer:
    """The app's buffer, made on first use; its thread starts with the first heartbeat."""
    buffer: HeartbeatBuffer | None = getattr(app.state, "heartbeats", None)
    if buffer is None:
        with _create_lock:
            buffer = getattr(app.state, "heartbeats", None)
            if buffer is None:
                ctx: PlatformContext = app.state.ctx
                buffer = HeartbeatBuffer(ctx, ctx.settings.heartbeat_flush_s, on_refused=on_refused)
                app.state.heartbeats = buffer
    return buffer


def stop_heartbeats(app: FastAPI) -> None:
    """At shutdown: the gathered heartbeats are written before the process ends."""
    buffer: HeartbeatBuffer | None = getattr(app.state, "heartbeats", None)
    if buffer is not None:
        buffer.stop()
