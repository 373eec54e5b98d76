"""Deadline and episode policies held in process for a few seconds: every event reads its episode rule and every
new alert its deadlines, while the policies are a few rows that people change by hand.

One cache per ``PlatformContext`` (its sessions find it in ``session.info``). A policy written through this
process's ORM (the policies API) drops the copy when its transaction commits; another process sees the change
within ``TTL_S``. A session without a cache reads the tables each time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from brightkitchen.platform.alerts.models import DeadlinePolicy, EpisodePolicy

TTL_S = 10.0
POLICIES_INFO = "policies"
_TOUCHED_INFO = "policies_touched"

Key = tuple[int, str]  # (region id, code or "*")


@dataclass(frozen=True)
class Policies:
    deadlines: dict[Key, tuple[float, float]]  # rectify hours, escalate hours
    episodes: dict[Key, tuple[float, float]]  # min duration s, gap s

    def most_specific(self, table: dict[Key, tuple[float, float]], region_ids: list[int], code: str) -> Any:
        """The deepest region first, then the exact code over "*"; None when no policy applies."""
        for region_id in reversed(region_ids):
            for key in ((region_id, code), (region_id, "*")):
                if key in table:
                    return table[key]
        return None


def read_policies(session: Session) -> Policies:
    d, e = DeadlinePolicy, EpisodePolicy
    deadlines = session.execute(select(d.region_id, d.code, d.rectify_hours, d.escalate_hours)).all()
    episodes = session.execute(select(e.region_id, e.code, e.min_duration_s, e.gap_s)).all()
    return Policies(
        {(r[0], r[1]): (float(r[2]), float(r[3])) for r in deadlines},
        {(r[0], r[1]): (float(r[2]), float(r[3])) for r in episodes},
    )


class PolicyCache:
    """Thread-safe: the request threads share it."""

    def __init__(self, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._entry: tuple[float, Policies] | None = None
        self._generation = 0  # bumped by each invalidation: a read that raced one is not kept

    def get(self, session: Session) -> Policies:
        entry = self._entry
        if entry is not None and self._clock() - entry[0] <= self.ttl_s:
            return entry[1]
        generation = self._generation
        policies = read_policies(session)
        with self._lock:
            if generation == self._generation:
                self._entry = (self._clock(), policies)
        return policies

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self._entry = None


def policies_of(session: Session) -> Policies:
    cache = session.info.get(POLICIES_INFO)
    return cache.get(session) if isinstance(cache, PolicyCache) else read_policies(session)


def attach(sessions: sessionmaker[Session], cache: PolicyCache) -> None:
    """Puts ``cache`` in every session's info, and drops it after a commit that wrote a policy (and once more
    when that commit lands, so a read between flush and commit is not kept either)."""
    sessions.configure(info={**sessions.kw.get("info", {}), POLICIES_INFO: cache})

    @event.listens_for(sessions, "after_flush")
    def _flushed(session: Session, _context: Any) -> None:
        written = chain(session.new, session.dirty, session.deleted)
        if any(isinstance(o, DeadlinePolicy | EpisodePolicy) for o in written):
            session.info[_TOUCHED_INFO] = True
            cache.invalidate()

    @event.listens_for(sessions, "after_commit")
    def _committed(session: Session) -> None:
        if session.info.pop(_TOUCHED_INFO, False):
            cache.invalidate()
