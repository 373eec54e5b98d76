"""The model versions a device reports in its heartbeats, as stored on its row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from brightkitchen.platform.devices.models import Device
from brightkitchen.protocol.v1 import Heartbeat

MAX_REPORTED = 32  # as many as a device configuration may assign
_NAME_MAX, _VERSION_MAX = 128, 64


def reported_versions(hb: Heartbeat) -> dict[str, str]:
    """The heartbeat's ``model_versions``, bounded: a device cannot grow its row without limit."""
    items = [(n, v) for n, v in hb.model_versions.items() if len(n) <= _NAME_MAX and len(v) <= _VERSION_MAX]
    return dict(sorted(items)[:MAX_REPORTED])


def reported_errors(hb: Heartbeat) -> dict[str, str]:
    """The heartbeat's ``model_errors`` (name -> "version: why"), bounded like the versions."""
    return dict(sorted(hb.model_errors.items())[:MAX_REPORTED])


def model_report(device: Device | None, hb: Heartbeat, now: datetime) -> dict[str, Any]:
    """The columns a heartbeat sets: the versions, since when the device has reported exactly these
    (unchanged reports leave that time alone, so it says when the device switched), and the errors."""
    versions, errors = reported_versions(hb), reported_errors(hb)
    out: dict[str, Any] = {}
    if device is None or device.model_versions != versions or device.model_versions_at is None:
        out |= {"model_versions": versions, "model_versions_at": now}
    if device is None or (device.model_errors or {}) != errors:
        out["model_errors"] = errors
    return out
