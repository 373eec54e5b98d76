"""Continuous recording on the edge's disk: per camera, one MPEG-TS file per UTC minute plus its index.

``DATA/recordings/<camera_key>/<YYYYMMDD>/<HHMM>.ts`` holds the minute's segments back to back (MPEG-TS
concatenates cleanly); ``<HHMM>.idx`` has one JSON line per segment (start ms, duration ms, offset, size,
discontinuity, codec), appended only after the segment's bytes are written and flushed, so a crash loses at
most the segment in flight. Whenever a minute file is opened again (at start, or to append) bytes past its
last indexed segment are cut off and index lines pointing past the end of the file are dropped.

Whole minute files are the unit of deletion: by age (each camera's ``retention_days``) and by the disk quota
shared with the evidence outbox, oldest first; the outbox's bytes are only counted, never touched.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from brightkitchen.edge.clock import to_datetime
from brightkitchen.edge.video.segmenter import Segment
from brightkitchen.protocol.video import MAX_SEGMENT_S, SegmentMeta

log = logging.getLogger(__name__)

_DAY = re.compile(r"^\d{8}$")
_MINUTE = re.compile(r"^(\d{4})\.ts$")
_KEY = re.compile(r"^[A-Za-z0-9_\-\.]+$")
# A gap between two stored segments longer than this is flagged as a discontinuity on playback.
_GAP_S = 1.0
# Minute files per camera checked for a torn tail at start (only the newest can be mid-write).
_RECOVER_NEWEST = 2
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def minute_of(t: float) -> str:
    """``YYYYMMDD/HHMM`` (UTC) of an epoch time: a minute file's key, which sorts in time order."""
    return to_datetime(t).strftime("%Y%m%d/%H%M")


def minute_start(minute: str) -> float:
    return datetime.strptime(minute, "%Y%m%d/%H%M").replace(tzinfo=UTC).timestamp()


@dataclass(frozen=True)
class IndexEntry:
    start_ms: int
    duration_ms: int
    offset: int
    size: int
    discontinuity: bool
    codec: str

    @property
    def start(self) -> float:
        return self.start_ms / 1000

    @property
    def end(self) -> float:
        return (self.start_ms + self.duration_ms) / 1000

    def line(self) -> bytes:
        doc = {
            "start_ms": self.start_ms,
            "duration_ms": self.duration_ms,
            "offset": self.offset,
            "size": self.size,
            "discontinuity": self.discontinuity,
            "codec": self.codec,
        }
        return (json.dumps(doc, separators=(",", ":")) + "\n").encode()

    @classmethod
    def parse(cls, line: bytes) -> IndexEntry | None:
        try:
            d = json.loads(line)
            return cls(
                int(d["start_ms"]), int(d["duration_ms"]), int(d["offset"]), int(d["size"]),
                bool(d["discontinuity"]), str(d["codec"]),
            )  # fmt: skip
        except (ValueError, KeyError, TypeError):
            return None  # a torn last line after a crash


def read_index(path: Path) -> list[IndexEntry]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    entries = []
    for line in raw.split(b"\n"):
        if line.strip() and (e := IndexEntry.parse(line)) is not None:
            entries.append(e)
    return entries


@dataclass
class _Writer:
    minute: str
    ts: BinaryIO
    idx: BinaryIO
    offset: int

    def close(self) -> None:
        for f in (self.ts, self.idx):
            with contextlib.suppress(OSError):
                f.close()


@dataclass(frozen=True)
class RecordedRange:
    recorded_from: datetime
    recorded_until: datetime

    @property
    def days(self) -> float:
        return max(0.0, (self.recorded_until - self.recorded_from).total_seconds() / 86400)


class RecordingStore:
    """Thread-safe: recorder threads write, the uploader reads playback and enforces retention and quota."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._files: dict[str, dict[str, int]] = {}  # camera -> minute -> bytes (ts + idx)
        self._writers: dict[str, _Writer] = {}
        self._from: dict[str, float] = {}  # cached start of each camera's oldest segment
        self._until: dict[str, float] = {}  # end of each camera's newest segment
        self.dropped: dict[str, int] = {}  # segments not stored (disk full or write error)
        self.last_error: dict[str, str] = {}
        self._scan()

    # -- writing ------------------------------------------------------------------------------------------

    def write(self, camera_key: str, segment: Segment) -> bool:
        """Append one segment; False when it could not be stored (a full disk frees the oldest minute)."""
        if not _KEY.match(camera_key):
            raise ValueError(f"bad camera key {camera_key!r}")
        with self._lock:
            try:
                self._append(camera_key, segment)
                self.last_error.pop(camera_key, None)
                return True
            except OSError as exc:
                self.dropped[camera_key] = self.dropped.get(camera_key, 0) + 1
                self.last_error[camera_key] = f"{type(exc).__name__}: {exc}"[:500]
                self._rollback(camera_key)
                if exc.errno in _DISK_FULL:
                    freed = self._delete_oldest()
                    log.warning("recording %s: disk full, dropped a segment, freed %d bytes", camera_key, freed)
                else:
                    log.warning("recording %s: could not write a segment: %s", camera_key, exc)
                return False

    def _append(self, camera_key: str, segment: Segment) -> None:
        start = segment.meta.start.timestamp()
        minute = minute_of(start)
        w = self._writer(camera_key, minute)
        w.ts.write(segment.data)
        w.ts.flush()
        entry = IndexEntry(
            round(start * 1000), round(segment.meta.duration_s * 1000), w.offset, len(segment.data),
            segment.meta.discontinuity, segment.codec,
        )  # fmt: skip
        line = entry.line()
        w.idx.write(line)
        w.idx.flush()
        w.offset += len(segment.data)
        files = self._files.setdefault(camera_key, {})
        files[minute] = files.get(minute, 0) + len(segment.data) + len(line)
        self._until[camera_key] = max(self._until.get(camera_key, 0.0), entry.end)

    def _writer(self, camera_key: str, minute: str) -> _Writer:
        w = self._writers.get(camera_key)
        if w is not None and w.minute == minute:
            return w
        if w is not None:
            w.close()
            del self._writers[camera_key]
        ts_path, idx_path = self._paths(camera_key, minute)
        ts_path.parent.mkdir(parents=True, exist_ok=True)
        offset = self._recover(camera_key, minute)  # appending to a minute seen before: cut any torn tail
        w = _Writer(minute, ts_path.open("ab"), idx_path.open("ab"), offset)
        self._writers[camera_key] = w
        self._files.setdefault(camera_key, {})[minute] = self._size(camera_key, minute)
        return w

    def _rollback(self, camera_key: str) -> None:
        """After a failed write: close the minute's files; the next write cuts whatever was half written."""
        w = self._writers.pop(camera_key, None)
        if w is not None:
            w.close()

    def close(self) -> None:
        with self._lock:
            for w in self._writers.values():
                w.close()
            self._writers.clear()

    # -- reading ------------------------------------------------------------------------------------------

    def cameras(self) -> list[str]:
        with self._lock:
            return sorted(k for k, files in self._files.items() if files)

    def segments(self, camera_key: str, start: datetime, end: datetime) -> Iterator[tuple[SegmentMeta, bytes]]:
        """Stored segments overlapping ``[start, end)``, in time order."""
        t0, t1 = start.timestamp(), end.timestamp()
        lo, hi = minute_of(t0 - MAX_SEGMENT_S), minute_of(t1)
        with self._lock:
            minutes = sorted(m for m in self._files.get(camera_key, {}) if lo <= m <= hi)
        prev_end: float | None = None
        for minute in minutes:
            ts_path, idx_path = self._paths(camera_key, minute)
            try:
                with ts_path.open("rb") as f:
                    for e in sorted(read_index(idx_path), key=lambda e: e.start_ms):
                        if e.end <= t0 or e.start >= t1:
                            continue
                        f.seek(e.offset)
                        data = f.read(e.size)
                        if len(data) != e.size:
                            break  # deleted or cut under us
                        gap = prev_end is not None and abs(e.start - prev_end) > _GAP_S
                        prev_end = e.end
                        meta = SegmentMeta(
                            start=to_datetime(e.start),
                            duration_s=min(max(e.duration_ms, 1) / 1000, MAX_SEGMENT_S),
                            discontinuity=e.discontinuity or gap,
                        )
                        yield meta, data
            except FileNotFoundError:
                continue  # deleted by retention while we read

    def range(self, camera_key: str) -> RecordedRange | None:
        with self._lock:
            files = self._files.get(camera_key)
            if not files:
                return None
            if camera_key not in self._from:
                oldest = min(files)
                entries = read_index(self._paths(camera_key, oldest)[1])
                self._from[camera_key] = min((e.start for e in entries), default=minute_start(oldest))
            until = self._until.get(camera_key, self._from[camera_key])
            return RecordedRange(to_datetime(self._from[camera_key]), to_datetime(until))

    def days_kept(self, camera_key: str) -> float:
        r = self.range(camera_key)
        return 0.0 if r is None else r.days

    def bytes_used(self, camera_key: str | None = None) -> int:
        with self._lock:
            if camera_key is not None:
                return sum(self._files.get(camera_key, {}).values())
            return sum(sum(files.values()) for files in self._files.values())

    # -- deleting -----------------------------------------------------------------------------------------

    def enforce_retention(self, camera_key: str, retention_days: float, now: float) -> int:
        """Delete the camera's minute files that ended more than ``retention_days`` ago; returns files deleted."""
        cutoff = minute_of(now - retention_days * 86400)
        with self._lock:
            old = [m for m in self._files.get(camera_key, {}) if m < cutoff]
            for m in sorted(old):
                self._delete(camera_key, m)
            return len(old)

    def enforce_quota(self, total_quota_bytes: int, other_used_bytes: int) -> int:
        """Delete the oldest minute files (any camera) until recordings + ``other_used_bytes`` fit the quota.

        ``other_used_bytes`` (the evidence outbox) is never touched: only recordings make room. Returns the
        number of files deleted; 0 when there is no quota (``total_quota_bytes <= 0``).
        """
        if total_quota_bytes <= 0:
            return 0
        with self._lock:
            used = self.bytes_used()
            if used + other_used_bytes <= total_quota_bytes:
                return 0
            oldest_first = sorted((m, k) for k, files in self._files.items() for m in files)
            deleted = 0
            for minute, key in oldest_first:
                if used + other_used_bytes <= total_quota_bytes:
                    break
                used -= self._delete(key, minute)
                deleted += 1
            return deleted

    def _delete_oldest(self) -> int:
        candidates = [(m, k) for k, files in self._files.items() for m in files]
        if not candidates:
            return 0
        minute, key = min(candidates)
        return self._delete(key, minute)

    def _delete(self, camera_key: str, minute: str) -> int:
        w = self._writers.get(camera_key)
        if w is not None and w.minute == minute:
            w.close()
            del self._writers[camera_key]
        size = self._files.get(camera_key, {}).pop(minute, 0)
        ts_path, idx_path = self._paths(camera_key, minute)
        for p in (ts_path, idx_path):
            try:
                p.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not delete %s: %s", p, exc)
        with contextlib.suppress(OSError):
            ts_path.parent.rmdir()  # only when the day is empty
        self._from.pop(camera_key, None)  # recomputed from the new oldest file on demand
        if not self._files.get(camera_key):
            self._files.pop(camera_key, None)
            self._until.pop(camera_key, None)
        return size

    # -- files --------------------------------------------------------------------------------------------

    def _paths(self, camera_key: str, minute: str) -> tuple[Path, Path]:
        day, hhmm = minute.split("/")
        d = self.root / camera_key / day
        return d / f"{hhmm}.ts", d / f"{hhmm}.idx"

    def _size(self, camera_key: str, minute: str) -> int:
        total = 0
        for p in self._paths(camera_key, minute):
            with contextlib.suppress(FileNotFoundError):
                total += p.stat().st_size
        return total

    def _recover(self, camera_key: str, minute: str) -> int:
        """Make a minute file and its index agree; returns the offset where the next segment goes."""
        ts_path, idx_path = self._paths(camera_key, minute)
        ts_size = ts_path.stat().st_size if ts_path.exists() else 0
        raw = idx_path.read_bytes() if idx_path.exists() else b""
        entries, offset = [], 0
        for e in read_index(idx_path):
            if e.offset != offset or e.offset + e.size > ts_size:
                break  # the index may only describe bytes that are in the file, back to back
            entries.append(e)
            offset = e.offset + e.size
        clean = b"".join(e.line() for e in entries)
        if raw != clean:
            tmp = idx_path.with_suffix(".idx.tmp")
            tmp.write_bytes(clean)
            os.replace(tmp, idx_path)
        if ts_size > offset:
            log.info("recording %s %s: cut %d bytes past the index", camera_key, minute, ts_size - offset)
            with ts_path.open("r+b") as f:
                f.truncate(offset)
        return offset

    def _scan(self) -> None:
        for cam_dir in sorted(p for p in self.root.iterdir() if p.is_dir() and _KEY.match(p.name)):
            files: dict[str, int] = {}
            for day_dir in sorted(p for p in cam_dir.iterdir() if p.is_dir() and _DAY.match(p.name)):
                for f in day_dir.iterdir():
                    if f.name.endswith(".tmp"):
                        f.unlink(missing_ok=True)
                    elif m := _MINUTE.match(f.name):
                        files[f"{day_dir.name}/{m.group(1)}"] = 0
            key = cam_dir.name
            for minute in sorted(files)[-_RECOVER_NEWEST:]:
                self._recover(key, minute)
            for minute in list(files):
                files[minute] = self._size(key, minute)
            if files:
                self._files[key] = files
                newest = read_index(self._paths(key, max(files))[1])
                if newest:
                    self._until[key] = max(e.end for e in newest)
