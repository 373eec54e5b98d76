"""Atomic rate counters in the database, so every worker process (and every thread) sees the same count.

``hit`` adds one and returns the new count in a single ``UPDATE ... RETURNING``: two requests at the same time
can never both read the old value, which a read-then-write counter allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, literal, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from brightkitchen.platform.auth.models import RateCounter
from brightkitchen.platform.db import UTCDateTime


@dataclass(frozen=True)
class Count:
    hits: int
    window_start: datetime

    def wait_s(self, now: datetime, window: timedelta) -> int:
        """Whole seconds until this window ends (at least 1), for ``Retry-After``."""
        return max(1, int((self.window_start + window - now).total_seconds()) + 1)


def _ensure_row(conn: Connection | Session, bucket: str, now: datetime) -> None:
    bind = conn.get_bind() if isinstance(conn, Session) else conn
    dialect = postgresql if bind.dialect.name == "postgresql" else sqlite
    stmt: Any = dialect.insert(RateCounter).values(bucket=bucket, window_start=now, hits=0)
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["bucket"]))


def hit(conn: Connection | Session, bucket: str, now: datetime, window: timedelta) -> Count:
    """One more hit on ``bucket``; a window older than ``window`` starts again at ``now`` with this hit."""
    _ensure_row(conn, bucket, now)
    stale = RateCounter.window_start <= literal(now - window, UTCDateTime())
    stmt = (
        update(RateCounter)
        .where(RateCounter.bucket == bucket)
        .values(
            hits=case((stale, 1), else_=RateCounter.hits + 1),
            window_start=case((stale, literal(now, UTCDateTime())), else_=RateCounter.window_start),
        )
        .returning(RateCounter.hits, RateCounter.window_start)
    )
    hits, window_start = conn.execute(stmt).one()
    return Count(int(hits), window_start)


def undo(conn: Connection | Session, bucket: str) -> None:
    """Takes back one hit (a request that turned out fine)."""
    conn.execute(
        update(RateCounter).where(RateCounter.bucket == bucket, RateCounter.hits > 0).values(hits=RateCounter.hits - 1)
    )


def reset(conn: Connection | Session, bucket: str) -> None:
    conn.execute(update(RateCounter).where(RateCounter.bucket == bucket).values(hits=0))
