"""Store-and-forward: events and their evidence paths in SQLite (WAL), surviving ``kill -9`` at any moment.

Evidence files are complete on disk (written, fsynced, renamed) before their event row is committed, so a
row always points at whole files; a crash in between leaves only files no row names, swept at start.
The disk quota evicts the evidence of already-delivered events, oldest first, and nothing else.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from brightkitchen.protocol import ViolationEvent

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    alert_id TEXT,
    delivered_at REAL
);
CREATE INDEX IF NOT EXISTS events_due ON events (state, next_attempt_at, created_at);
CREATE TABLE IF NOT EXISTS evidence (
    event_id TEXT NOT NULL REFERENCES events (event_id),
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, kind)
);
"""


@dataclass(frozen=True)
class EvidenceFile:
    kind: str
    path: Path  # absolute, under the evidence root
    content_type: str


@dataclass(frozen=True)
class OutboxItem:
    event_id: str
    payload: str  # the ViolationEvent JSON, byte-for-byte what is sent on every try
    attempts: int
    files: tuple[EvidenceFile, ...]


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    delivered: int
    dead: int


class Outbox:
    def __init__(self, db_path: Path, evidence_root: Path) -> None:
        self.db_path, self.root = db_path, evidence_root
        db_path.parent.mkdir(parents=True, exist_ok=True)
        evidence_root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # edge boxes lose power: a commit must survive it
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, event: ViolationEvent, files: list[EvidenceFile], now: float) -> bool:
        """Record an event whose files already exist. False if that event_id is already held."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            cur = self._db.execute(
                "INSERT OR IGNORE INTO events (event_id, created_at, payload) VALUES (?, ?, ?)",
                (event.event_id, now, event.model_dump_json()),
            )
            if cur.rowcount == 0:
                return False
            self._db.executemany(
                "INSERT INTO evidence (event_id, kind, path, size, content_type) VALUES (?, ?, ?, ?, ?)",
                [(event.event_id, f.kind, self._rel(f.path), f.path.stat().st_size, f.content_type) for f in files],
            )
            return True

    def next_due(self, now: float) -> OutboxItem | None:
        """The oldest pending event whose retry time has come."""
        with self._lock:
            row = self._db.execute(
                "SELECT event_id, payload, attempts FROM events WHERE state = 'pending' AND next_attempt_at <= ?"
                " ORDER BY created_at, event_id LIMIT 1",
                (now,),
            ).fetchone()
            if row is None:
                return None
            files = self._db.execute(
                "SELECT kind, path, content_type FROM evidence WHERE event_id = ? ORDER BY kind", (row[0],)
            ).fetchall()
        return OutboxItem(row[0], row[1], row[2], tuple(EvidenceFile(k, self.root / p, c) for k, p, c in files))

    def next_attempt_at(self) -> float | None:
        with self._lock:
            row = self._db.execute("SELECT MIN(next_attempt_at) FROM events WHERE state = 'pending'").fetchone()
        return None if row[0] is None else float(row[0])

    def mark_delivered(self, event_id: str, alert_id: str | None, now: float) -> None:
        self._set(
            "UPDATE events SET state = 'delivered', alert_id = ?, delivered_at = ?, attempts = attempts + 1,"
            " last_error = NULL WHERE event_id = ?",
            (alert_id, now, event_id),
        )

    def mark_retry(self, event_id: str, error: str, next_attempt_at: float) -> None:
        self._set(
            "UPDATE events SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE event_id = ?",
            (error[:500], next_attempt_at, event_id),
        )

    def mark_dead(self, event_id: str, error: str) -> None:
        """Permanently refused: kept (with its evidence) and counted, never retried."""
        self._set(
            "UPDATE events SET state = 'dead', attempts = attempts + 1, last_error = ? WHERE event_id = ?",
            (error[:500], event_id),
        )

    def postpone_all(self, until: float) -> None:
        """Hold every pending event (credentials refused: nothing will pass until they are fixed)."""
        self._set("UPDATE events SET next_attempt_at = MAX(next_attempt_at, ?) WHERE state = 'pending'", (until,))

    def counts(self) -> OutboxCounts:
        with self._lock:
            rows = dict(self._db.execute("SELECT state, COUNT(*) FROM events GROUP BY state").fetchall())
        return OutboxCounts(rows.get("pending", 0), rows.get("delivered", 0), rows.get("dead", 0))

    def state_of(self, event_id: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT state FROM events WHERE event_id = ?", (event_id,)).fetchone()
        return None if row is None else str(row[0])

    def evidence_bytes(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT COALESCE(SUM(size), 0) FROM evidence WHERE deleted = 0").fetchone()
        return int(row[0])

    def enforce_quota(self, quota_bytes: int) -> bool:
        """Evict delivered events' evidence, oldest first, until under quota. True if still over it."""
        used = self.evidence_bytes()
        if quota_bytes <= 0 or used <= quota_bytes:
            return False
        with self._lock:
            victims = self._db.execute(
                "SELECT ev.event_id, ev.kind, ev.path, ev.size FROM evidence ev JOIN events e USING (event_id)"
                " WHERE e.state = 'delivered' AND ev.deleted = 0 ORDER BY e.delivered_at, e.created_at"
            ).fetchall()
        for event_id, kind, path, size in victims:
            if used <= quota_bytes:
                break
            (self.root / path).unlink(missing_ok=True)
            self._set("UPDATE evidence SET deleted = 1 WHERE event_id = ? AND kind = ?", (event_id, kind))
            used -= int(size)
        return used > quota_bytes

    def sweep_orphans(self) -> int:
        """At start: remove torn ``*.tmp`` files and files no row names (a crash before the commit)."""
        with self._lock:
            known = {p for (p,) in self._db.execute("SELECT path FROM evidence WHERE deleted = 0")}
        removed = 0
        for f in self.root.rglob("*"):
            if f.is_file() and (f.name.endswith(".tmp") or self._rel(f) not in known):
                f.unlink(missing_ok=True)
                removed += 1
        return removed

    def _rel(self, path: Path) -> str:
        return path.resolve().relative_to(self.root.resolve()).as_posix()

    def _set(self, sql: str, args: tuple[object, ...]) -> None:
        with self._lock, self._db:
            self._db.execute(sql, args)
