"""How far a model version has reached: per site where it is effective, each device and the version its
heartbeats report. A device is ``active`` when it reports this name at this version, ``other`` when it reports
another version of the name, ``pending`` when it reports none (not yet loaded, or never seen), ``failed`` when
it reports that this version could not be downloaded, checked or loaded (it keeps running the previous one)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.modelhub.effective import is_canary, sites_running
from brightkitchen.platform.modelhub.models import ModelVersion
from brightkitchen.platform.modelhub.schemas import DeviceState, RolloutCounts, RolloutDevice, RolloutOut, RolloutSite


def device_state(reported: str | None, version: str, error: str | None = None) -> DeviceState:
    if reported == version:
        return "active"
    if error is not None and error.startswith(f"{version}:"):
        return "failed"
    return "pending" if reported is None else "other"


def rollout(session: Session, principal: Principal, version: ModelVersion) -> RolloutOut:
    running = sites_running(session, principal, version)
    devices = session.scalars(
        select(Device)
        .where(Device.site_id.in_([site.id for site, _ in running]), Device.revoked_at.is_(None))
        .order_by(Device.name, Device.id)
    ).all()
    by_site: dict[int, list[RolloutDevice]] = {}
    counts = RolloutCounts()
    for device in devices:
        reported = (device.model_versions or {}).get(version.name)
        error = (device.model_errors or {}).get(version.name)
        state = device_state(reported, version.version, error)
        setattr(counts, state, getattr(counts, state) + 1)
        by_site.setdefault(device.site_id, []).append(
            RolloutDevice(
                device_id=device.id,
                name=device.name,
                reported_version=reported,
                last_seen_at=device.last_heartbeat_at,
                state=state,
                error=error if state == "failed" else None,
            )
        )
    sites = [
        RolloutSite(site_id=site.id, site_name=site.name, canary=is_canary(eff), devices=by_site.get(site.id, []))
        for site, eff in running
    ]
    return RolloutOut(model_id=version.id, name=version.name, version=version.version, sites=sites, counts=counts)
