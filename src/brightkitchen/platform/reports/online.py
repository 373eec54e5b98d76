"""Online time share over a period, from the platform's own fault alerts: a device is offline from the
moment the jobs loop raised its "device:N" fault until the fault was cleared, a camera while its own
fault is open or its site's edge server is offline. No uptime series is kept, so this is the honest
source we have; a device or camera never heard from counts as offline the whole period."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.sites.models import Camera
from brightkitchen.protocol.codes import ViolationCode

Interval = tuple[datetime, datetime]


def covered(intervals: Sequence[Interval], lo: datetime, hi: datetime) -> float:
    """Seconds of [lo, hi) covered by the union of the intervals."""
    total, cursor = 0.0, lo
    for start, end in sorted((max(s, lo), min(e, hi)) for s, e in intervals):
        if end <= cursor:
            continue
        start = max(start, cursor)
        total += (end - start).total_seconds()
        cursor = end
    return total


@dataclass
class SiteOnline:
    devices: int = 0
    cameras: int = 0
    faults: int = 0  # device and camera faults raised in the period
    edge_shares: list[float] = field(default_factory=list)  # one per device (installed before the period ended)
    camera_shares: list[float] = field(default_factory=list)

    @property
    def edge_rate(self) -> float | None:
        return _mean(self.edge_shares)

    @property
    def camera_rate(self) -> float | None:
        return _mean(self.camera_shares)


def share(offline: Sequence[Interval], since: datetime, lo: datetime, hi: datetime, heard: bool) -> float | None:
    start = max(lo, since)
    span = (hi - start).total_seconds()
    if span <= 0:
        return None  # installed after the period
    if not heard:
        return 0.0
    return max(0.0, 1.0 - covered(offline, start, hi) / span)


def online_rates(session: Session, site_ids: Sequence[int], lo: datetime, hi: datetime) -> dict[int, SiteOnline]:
    out = {sid: SiteOnline() for sid in site_ids}
    faults = session.execute(
        select(Alert.site_id, Alert.device_id, Alert.camera_id, Alert.started_at, Alert.closed_at).where(
            Alert.site_id.in_(list(site_ids)),
            Alert.code == ViolationCode.camera_fault,
            Alert.source == "system",
            Alert.started_at < hi,
            or_(Alert.closed_at.is_(None), Alert.closed_at > lo),
        )
    ).all()
    by_device: dict[int, list[Interval]] = defaultdict(list)
    by_camera: dict[int, list[Interval]] = defaultdict(list)
    by_site_devices: dict[int, list[Interval]] = defaultdict(list)
    for site_id, device_id, camera_id, started, closed in faults:
        span = (started, closed or hi)
        if started >= lo:
            out[site_id].faults += 1
        if device_id is not None:
            by_device[device_id].append(span)
            by_site_devices[site_id].append(span)
        elif camera_id is not None:
            by_camera[camera_id].append(span)
    for d in session.execute(
        select(Device.id, Device.site_id, Device.created_at, Device.last_heartbeat_at).where(
            Device.site_id.in_(list(site_ids)), Device.revoked_at.is_(None)
        )
    ):
        out[d.site_id].devices += 1
        value = share(by_device[d.id], d.created_at, lo, hi, d.last_heartbeat_at is not None)
        if value is not None:
            out[d.site_id].edge_shares.append(value)
    for c in session.execute(
        select(Camera.id, Camera.site_id, Camera.created_at, Camera.last_seen_at).where(
            Camera.site_id.in_(list(site_ids))
        )
    ):
        out[c.site_id].cameras += 1
        offline = by_camera[c.id] + by_site_devices[c.site_id]
        value = share(offline, c.created_at, lo, hi, c.last_seen_at is not None)
        if value is not None:
            out[c.site_id].camera_shares.append(value)
    return out


def _mean(values: list[float] | None) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def overall(rows: dict[int, SiteOnline]) -> tuple[float | None, float | None]:
    """The region's edge and camera online rates: the mean over all its devices and all its cameras."""
    edge = [v for row in rows.values() for v in row.edge_shares]
    cams = [v for row in rows.values() for v in row.camera_shares]
    return _mean(edge), _mean(cams)
