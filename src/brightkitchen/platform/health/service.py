"""Device and camera health: heartbeats in, offline detection by time, faults raised and cleared once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.health.faults import clear_fault, raise_fault
from brightkitchen.platform.health.online import credit
from brightkitchen.platform.modelhub.reported import model_report
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera
from brightkitchen.platform.video.health import record_recording_health
from brightkitchen.protocol.v1 import CameraStatus, Heartbeat

FAULTY = frozenset({CameraStatus.offline.value, CameraStatus.no_frames.value})


def offline_cutoff(settings: Settings, now: datetime) -> datetime:
    return now - timedelta(seconds=settings.heartbeat_interval_s * settings.offline_after_missed)


def record_heartbeat(session: Session, settings: Settings, principal: Principal, hb: Heartbeat, now: datetime) -> None:
    device_id, site_id = principal.id, principal.site_id
    assert site_id is not None
    device = session.get(Device, device_id)  # already loaded by the auth dependency: no query
    previous = device.last_heartbeat_at if device is not None else None
    if device is not None and device.status == "offline":
        # Conditional: of two racing heartbeats only the one that flips the device back clears its fault.
        back = session.execute(
            update(Device).where(Device.id == device_id, Device.status == "offline").values(status="online")
        )
        if getattr(back, "rowcount", 0) == 1:
            clear_fault(session, settings, f"device:{device_id}", "heartbeats resumed", now)
    session.execute(
        update(Device)
        .where(Device.id == device_id)
        .values(
            status="online",
            last_heartbeat_at=now,
            software_version=hb.software_version,
            **model_report(device, hb, now),
        )
    )
    if _record_cameras(session, settings, site_id, hb, now):
        # Watched only while a camera works: an edge server whose cameras are all dark watches nothing.
        credit(session, settings, device_id=device_id, site_id=site_id, previous=previous, now=now)
    record_recording_health(session, site_id, hb, now)
    session.commit()


def _record_cameras(session: Session, settings: Settings, site_id: int, hb: Heartbeat, now: datetime) -> int:
    """Stores the cameras' reports; returns how many known cameras report themselves online."""
    if not hb.cameras:
        return 0
    known = {
        row.key: row
        for row in session.execute(select(Camera.id, Camera.key, Camera.status).where(Camera.site_id == site_id))
    }
    plain: list[dict[str, object]] = []
    working = 0
    for report in hb.cameras:
        cam = known.get(report.camera_key)
        if cam is None:
            continue  # a camera the platform does not know yet: nothing to update
        status = report.status.value
        working += status == CameraStatus.online.value
        values = {"status": status, "fps": report.fps, "last_seen_at": now}
        if (cam.status in FAULTY) == (status in FAULTY):
            plain.append({"id": cam.id, **values})
            continue
        flipped = session.execute(
            update(Camera).where(Camera.id == cam.id, Camera.status == cam.status).values(**values)
        )
        if getattr(flipped, "rowcount", 0) != 1:
            continue
        key = f"camera:{cam.id}"
        if status in FAULTY:
            detail = f"camera {cam.key} reports {status}" + (f": {report.error}" if report.error else "")
            raise_fault(session, settings, site_id=site_id, camera_id=cam.id, fault_key=key, detail=detail, now=now)
        else:
            clear_fault(session, settings, key, f"camera {cam.key} reports {status} again", now)
    if plain:
        session.execute(update(Camera), plain)  # one executemany by primary key
    return working


def mark_offline_devices(session: Session, settings: Settings, now: datetime) -> int:
    """Devices silent for ``offline_after_missed`` heartbeats go offline; the UPDATE that flips them is
    the only one that raises the fault, so two workers never both do."""
    flipped = session.execute(
        update(Device)
        .where(Device.status == "online", Device.last_heartbeat_at < offline_cutoff(settings, now))
        .where(Device.revoked_at.is_(None))
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
