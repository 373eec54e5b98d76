"""Device and camera health: heartbeats in (written one at a time or gathered per worker, see coalesce),
offline detection by time, faults raised and cleared once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.health.faults import clear_fault, raise_fault
from brightkitchen.platform.health.online import add_online, credit_spans
from brightkitchen.platform.modelhub.reported import model_report
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera
from brightkitchen.platform.unnest import among, rows_of
from brightkitchen.platform.video.health import store_recordings
from brightkitchen.protocol.v1 import CameraStatus, Heartbeat, RecordingHealth

OFFLINE_BATCH = 500  # devices flipped offline per jobs pass: a whole dark province shows in minutes, not one long lock

FAULTY = frozenset({CameraStatus.offline.value, CameraStatus.no_frames.value})


def offline_cutoff(settings: Settings, now: datetime) -> datetime:
    return now - timedelta(seconds=settings.heartbeat_interval_s * settings.offline_after_missed)


MAX_KEPT = 8  # heartbeats kept per device while gathering: only those that change which cameras are faulty


def _faulty(hb: Heartbeat) -> frozenset[str]:
    return frozenset(c.camera_key for c in hb.cameras if c.status.value in FAULTY)


@dataclass
class Pending:
    """A device's heartbeats not written yet, oldest first. The latest report wins, but a heartbeat that
    changes which cameras are faulty is kept, so a camera that failed and came back between two writes still
    raises (and clears) its fault. Bounded: past MAX_KEPT the oldest go."""

    device_id: int
    site_id: int
    beats: list[tuple[Heartbeat, datetime]] = field(default_factory=list)
    key_digest: str | None = None  # the key the reports came with, when it was taken from a cache

    def add(self, hb: Heartbeat, now: datetime) -> None:
        if self.beats and _faulty(self.beats[-1][0]) == _faulty(hb):
            self.beats[-1] = (hb, now)
        else:
            self.beats.append((hb, now))
            del self.beats[:-MAX_KEPT]

    def merge(self, newer: Pending) -> None:
        for hb, now in newer.beats:
            self.add(hb, now)


def record_heartbeat(session: Session, settings: Settings, principal: Principal, hb: Heartbeat, now: datetime) -> None:
    """Writes one heartbeat now (``heartbeat_flush_s`` = 0, and tests)."""
    assert principal.site_id is not None
    pending = Pending(principal.id, principal.site_id)
    pending.add(hb, now)
    write_heartbeats(session, settings, [pending])


def write_heartbeats(
    session: Session, settings: Settings, batch: Sequence[Pending], refused: list[int] | None = None
) -> int:
    """Writes the gathered heartbeats of many devices in one transaction, with batched statements; returns how
    many devices were written. A device deleted, revoked or given a new key since its key was cached is
    skipped and its id added to ``refused`` (its reports came with a key no longer valid). Safe with several
    processes writing the same device: on PostgreSQL the device rows are locked in id order first, so the
    previous heartbeat time that online hours are credited from is the one stored, and faults stay raised and
    cleared once by the conditional UPDATEs."""
    by_id = {p.device_id: p for p in batch if p.beats}
    postgres = session.get_bind().dialect.name == "postgresql"
    # Plain rows, not ORM objects: loading thousands of those costs more than the write.
    stmt = select(*_DEVICE_COLUMNS).where(among(Device.id, sorted(by_id), postgres, "ids")).order_by(Device.id)
    stmt = stmt.with_for_update() if postgres else stmt
    devices = [d for d in session.execute(stmt) if _key_valid(d, by_id[d.id])]
    if refused is not None:
        refused.extend(sorted(set(by_id) - {d.id for d in devices}))
    if not devices:
        session.rollback()
        return 0
    ids = [d.id for d in devices]
    # Conditional: of two racing writers only the one that flips the device back clears its fault.
    back = session.scalars(
        update(Device)
        .where(among(Device.id, ids, postgres, "ids"), Device.status == "offline")
        .values(status="online")
        .returning(Device.id)
        .execution_options(synchronize_session=False)
    ).all()
    for device_id in back:
        clear_fault(session, settings, f"device:{device_id}", "heartbeats resumed", now=by_id[device_id].beats[-1][1])
    cameras = _Cameras(session, settings, {by_id[i].site_id for i in ids}, postgres)
    online: dict[tuple[int, datetime], tuple[int, int]] = {}
    rows: dict[frozenset[str], list[dict[str, Any]]] = {}
    for device in devices:
        pending = by_id[device.id]
        previous = device.last_heartbeat_at
        for hb, at in pending.beats:
            if cameras.record(session, pending.site_id, hb, at):
                # Watched only while a camera works: an edge server whose cameras are all dark watches nothing.
                for hour, seconds in credit_spans(settings, previous, at):
                    _, before = online.get((device.id, hour), (pending.site_id, 0))
                    online[(device.id, hour)] = (pending.site_id, before + seconds)
            previous = at if previous is None else max(previous, at)
        hb, at = pending.beats[-1]
        report = model_report(cast(Device, device), hb, at)  # reads only the model_* columns the row has
        row = {"software_version": hb.software_version, **report, "b_id": device.id, "b_at": at}
        rows.setdefault(frozenset(row), []).append(row)
    cameras.flush(session)
    for group in rows.values():
        if postgres and set(group[0]) == _PLAIN_ROW:
            session.execute(_plain_devices_update(group))  # nearly every heartbeat: one statement for all
            continue
        params = [{(k if k.startswith("b_") else f"v_{k}"): v for k, v in row.items()} for row in group]
        session.execute(_device_update(group[0], postgres), params)  # one executemany per set of columns
    add_online(session, online)
    _record_recordings(session, cameras, [by_id[d.id] for d in devices])
    session.commit()
    return len(devices)


_DEVICE_COLUMNS = (Device.id, Device.last_heartbeat_at, Device.revoked_at, Device.key_hash, Device.model_versions,
                   Device.model_versions_at, Device.model_errors)  # fmt: skip


def _key_valid(device: Any, pending: Pending) -> bool:
    if device.revoked_at is not None or device.key_hash is None:
        return False
    return pending.key_digest is None or pending.key_digest == device.key_hash


def _device_update(row: dict[str, Any], postgres: bool) -> Any:
    table = cast(Table, Device.__table__)
    at = bindparam("b_at", type_=table.c.last_heartbeat_at.type)
    greatest = func.greatest if postgres else func.max  # another process may have written a later heartbeat
    values: dict[str, Any] = {k: bindparam(f"v_{k}", type_=table.c[k].type) for k in row if not k.startswith("b_")}
    values |= {"status": "online", "last_heartbeat_at": greatest(func.coalesce(table.c.last_heartbeat_at, at), at)}
    return update(table).where(table.c.id == bindparam("b_id")).values(values)


_PLAIN_ROW = {"software_version", "b_id", "b_at"}  # a report whose models and errors did not change


def _plain_devices_update(group: list[dict[str, Any]]) -> Any:
    """PostgreSQL: the devices of a batch whose models did not change, in one UPDATE from arrays."""
    table = cast(Table, Device.__table__)
    v = rows_of("v", {
        "id": (table.c.id.type, [r["b_id"] for r in group]),
        "software_version": (table.c.software_version.type, [r["software_version"] for r in group]),
        "at": (table.c.last_heartbeat_at.type, [r["b_at"] for r in group]),
    })  # fmt: skip
    latest = func.greatest(func.coalesce(table.c.last_heartbeat_at, v.c.at), v.c.at)
    return (
        update(table)
        .where(table.c.id == v.c.id)
        .values(software_version=v.c.software_version, status="online", last_heartbeat_at=latest)
    )


def _record_recordings(session: Session, cameras: _Cameras, batch: list[Pending]) -> None:
    """Each reported camera's recording health (video.health's fields), from the latest report, for the whole
    batch at once: one read of the rows, and the ORM's batched writes."""
    reports: dict[int, tuple[RecordingHealth, datetime]] = {}
    for pending in batch:
        hb, at = pending.beats[-1]
        for c in hb.cameras:
            cam = cameras.known.get((pending.site_id, c.camera_key))
            if cam is not None and c.recording is not None:
                reports[cam[0]] = (c.recording, at)
    store_recordings(session, reports)


class _Cameras:
    """The cameras of the sites in a batch, read once; reports that change nothing are not written, except to
    keep ``last_seen_at`` fresh: a row is rewritten when older than half the offline cutoff, so the camera
    counts as online (stats.queries.camera_online) as long as its device reports it so. ``fps`` is stored
    with those writes."""

    def __init__(self, session: Session, settings: Settings, site_ids: set[int], postgres: bool) -> None:
        self.settings, self.postgres = settings, postgres
        self.refresh = timedelta(seconds=settings.heartbeat_interval_s * settings.offline_after_missed / 2)
        cols = (Camera.id, Camera.site_id, Camera.key, Camera.status, Camera.last_seen_at)
        self.known: dict[tuple[int, str], list[Any]] = {
            (site_id, key): [cam_id, status, seen, status]  # the last is what the row holds
            for cam_id, site_id, key, status, seen in session.execute(
                select(*cols).where(among(Camera.site_id, sorted(site_ids), postgres, "sites"))
            )
        }
        self.plain: dict[int, dict[str, Any]] = {}

    def record(self, session: Session, site_id: int, hb: Heartbeat, now: datetime) -> int:
        """Stores the cameras' reports; returns how many known cameras report themselves online."""
        working = 0
        for report in hb.cameras:
            cam = self.known.get((site_id, report.camera_key))
            if cam is None:
                continue  # a camera the platform does not know yet: nothing to update
            cam_id, stored, seen, in_row = cam
            status = report.status.value
            working += status == CameraStatus.online.value
            values = {"status": status, "fps": report.fps, "last_seen_at": now}
            if (stored in FAULTY) == (status in FAULTY):
                if status != stored or seen is None or now - seen >= self.refresh:
                    self.plain[cam_id] = {"id": cam_id, **values}
                    cam[1], cam[2] = status, now
                continue
            self.plain.pop(cam_id, None)  # a queued older report must not overwrite this change
            flipped = session.execute(
                update(Camera)
                .where(Camera.id == cam_id, Camera.status == in_row)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            cam[1], cam[2], cam[3] = status, now, status
            if getattr(flipped, "rowcount", 0) != 1:
                continue  # another writer changed it first, and raised or cleared the fault
            key = f"camera:{cam_id}"
            if status in FAULTY:
                detail = f"camera {report.camera_key} reports {status}" + (f": {report.error}" if report.error else "")
                raise_fault(session, self.settings, site_id=site_id, camera_id=cam_id, fault_key=key, detail=detail,
                            now=now)  # fmt: skip
            else:
                clear_fault(session, self.settings, key, f"camera {report.camera_key} reports {status} again", now)
        return working

    def flush(self, session: Session) -> None:
        if not self.plain:
            return
        if not self.postgres:
            session.execute(update(Camera), list(self.plain.values()))  # one executemany by primary key
            return
        table = cast(Table, Camera.__table__)
        rows = list(self.plain.values())
        v = rows_of("v", {key: (table.c[key].type, [r[key] for r in rows]) for key in ("id", "status", "fps",
                                                                                        "last_seen_at")})  # fmt: skip
        session.execute(
            update(table)
            .where(table.c.id == v.c.id)
            .values(status=v.c.status, fps=v.c.fps, last_seen_at=v.c.last_seen_at)
        )


def mark_offline_devices(session: Session, settings: Settings, now: datetime, batch: int = OFFLINE_BATCH) -> int:
    """Devices silent for ``offline_after_missed`` heartbeats go offline; the UPDATE that flips them is
    the only one that raises the fault, so two workers never both do. At most ``batch`` a pass: when a whole
    network goes dark (a province's uplink, or the platform itself back from an outage) thousands of devices
    are due at once, and one transaction raising thousands of faults would hold its locks for minutes."""
    due = (
        select(Device.id)
        .where(Device.status == "online", Device.last_heartbeat_at < offline_cutoff(settings, now))
        .where(Device.revoked_at.is_(None))
        .order_by(Device.last_heartbeat_at, Device.id)
        .limit(batch)
        .with_for_update(skip_locked=True)  # another worker's pass takes the next ones
    )
    # Two statements: PostgreSQL may run a LIMIT ... FOR UPDATE subquery inside an UPDATE more than once.
    ids = list(session.scalars(due))
    if not ids:
        return 0
    flipped = session.execute(
        update(Device)
        .where(Device.id.in_(ids), Device.status == "online")
        .values(status="offline")
        .returning(Device.id, Device.site_id, Device.name)
        .execution_options(synchronize_session=False)
    ).all()
    for device_id, site_id, name in flipped:
        missed = settings.offline_after_missed
        detail = f"edge device {name} missed {missed} heartbeats"
        raise_fault(session, settings, site_id=site_id, device_id=device_id, fault_key=f"device:{device_id}",
                    detail=detail, now=now)  # fmt: skip
    return len(flipped)
