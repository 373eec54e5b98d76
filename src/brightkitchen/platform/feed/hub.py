"""One poller per process reads new ``alert_audit`` rows about once a second and hands each to the open
streams allowed to see it. It reads the database, so a change made by any process reaches every process.

Audit ids come from the database in the order transactions *start*, not the order they commit: on
PostgreSQL row 10 can become visible after row 11. An id skipped over is held as a "gap" and asked for again
for ``GAP_HOLD_S`` (a rolled-back insert leaves a gap that never fills; it is dropped after that).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Iterable

from anyio import to_thread
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from brightkitchen.platform.alerts.models import AlertAudit
from brightkitchen.platform.feed.service import FeedEvent, audit_events, max_audit_id

log = logging.getLogger(__name__)

POLL_S = 1.0
ERROR_BACKOFF_S = 5.0  # the database is away: ask again later, keep the streams open
GAP_HOLD_S = 30.0
MAX_GAPS = 1000  # a jump of thousands of ids is a bulk import or a sequence reset, not open transactions
BATCH = 1000
MAX_STREAMS_PER_USER = 4  # per process; browsers allow 6 connections per host over HTTP/1.1
QUEUE_LIMIT = 1000


class TooManyStreams(Exception):
    pass


class Subscriber:
    """One open stream: the sites it may see and the events waiting to be written to it."""

    def __init__(self, user_id: int, sites: frozenset[int] | None) -> None:
        self.user_id = user_id
        self.sites = sites  # None: every site (a platform-wide admin)
        self.pending: deque[FeedEvent] = deque()
        self.overflowed = False  # a reader too slow to keep up: it is told to reload instead
        self._wake = asyncio.Event()

    def sees(self, event: FeedEvent) -> bool:
        return self.sites is None or event.site_id in self.sites

    def push(self, events: Iterable[FeedEvent]) -> None:
        added = False
        for event in events:
            if not self.sees(event):
                continue
            if len(self.pending) >= QUEUE_LIMIT:
                self.overflowed = True
                self.pending.clear()
            self.pending.append(event)
            added = True
        if added or self.overflowed:
            self._wake.set()

    async def wait(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    def take(self) -> tuple[list[FeedEvent], bool]:
        events, overflowed = list(self.pending), self.overflowed
        self.pending.clear()
        self.overflowed = False
        self._wake.clear()
        return events, overflowed


class FeedHub:
    """The fan-out. Runs on the server's event loop while at least one stream is open."""

    def __init__(self, sessions: sessionmaker[Session], *, poll_s: float = POLL_S) -> None:
        self._sessions = sessions
        self._poll_s = poll_s
        self._subscribers: set[Subscriber] = set()
        self._task: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None
        self.cursor = 0
        self._gaps: dict[int, float] = {}  # audit id -> when it was first missed (monotonic)

    @property
    def open_streams(self) -> int:
        return len(self._subscribers)

    async def subscribe(self, user_id: int, sites: frozenset[int] | None) -> Subscriber:
        """Registers a stream; returns once the poller knows its starting point, so a catch-up read made
        after this call and the poller's reads together miss nothing."""
        if sum(1 for s in self._subscribers if s.user_id == user_id) >= MAX_STREAMS_PER_USER:
            raise TooManyStreams
        sub = Subscriber(user_id, sites)
        self._subscribers.add(sub)
        ready = self._ensure_running()
        await ready.wait()
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self._subscribers.discard(sub)
        if not self._subscribers and self._task is not None:
            self._task.cancel()  # nobody listens: stop polling until someone does
            self._task = None

    def _ensure_running(self) -> asyncio.Event:
        if self._task is None or self._task.done() or self._ready is None:
            self._ready = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(self._ready), name="feed-poller")
        return self._ready

    async def _run(self, ready: asyncio.Event) -> None:
        while not ready.is_set():
            try:
                self.cursor, self._gaps = await to_thread.run_sync(self._start)
                ready.set()
            except Exception:
                log.warning("feed: cannot read the audit table; retrying", exc_info=True)
                await asyncio.sleep(ERROR_BACKOFF_S)
        while True:
            await asyncio.sleep(self._poll_s)
            try:
                events = await to_thread.run_sync(self._read, self.cursor, list(self._gaps))
            except Exception:
                log.warning("feed: polling failed; retrying", exc_info=True)
                await asyncio.sleep(ERROR_BACKOFF_S)
                continue
            self._advance(events, time.monotonic())
            if events:
                for sub in list(self._subscribers):
                    sub.push(events)

    def _start(self) -> tuple[int, dict[int, float]]:
        """The starting cursor, and the recent ids below it that are not (yet) visible: held as gaps."""
        with self._sessions() as session:
            top = max_audit_id(session)
            window = set(range(max(top - 100, 0) + 1, top + 1))
            seen = set(session.scalars(select(AlertAudit.id).where(AlertAudit.id > top - 100)))
        now = time.monotonic()
        return top, {missing: now for missing in window - seen}

    def _read(self, cursor: int, gaps: list[int]) -> list[FeedEvent]:
        with self._sessions() as session:
            return audit_events(session, after=cursor, also=gaps, limit=BATCH)

    def _advance(self, events: list[FeedEvent], now: float) -> None:
        for event in events:
            self._gaps.pop(event.id, None)
            if event.id > self.cursor:
                skipped = event.id - self.cursor - 1
                if 0 < skipped <= MAX_GAPS:
                    self._gaps.update(dict.fromkeys(range(self.cursor + 1, event.id), now))
                self.cursor = event.id
        for gap, since in list(self._gaps.items()):
            if now - since > GAP_HOLD_S:
                del self._gaps[gap]
