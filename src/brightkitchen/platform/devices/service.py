from __future__ import annotations

from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.security import DEVICE_KEY_PREFIX, new_token, token_digest
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.tenancy import get_visible as get_scoped


def get_visible(session: Session, principal: Principal, device_id: int) -> Device:
    return get_scoped(session, principal, Device, device_id, "device")


def issue_key(device: Device) -> str:
    """A new credential replaces the old one at once; the plain key is returned only here."""
    key = new_token(DEVICE_KEY_PREFIX)
    device.key_hash = token_digest(key)
    device.key_issued_at = utcnow()
    device.revoked_at = None
    return key


def revoke(device: Device) -> None:
    device.key_hash = None
    device.revoked_at = utcnow()


def create(session: Session, site: Site, name: str, serial: str) -> tuple[Device, str]:
    device = Device(site_id=site.id, name=name, serial=serial)
    key = issue_key(device)
    session.add(device)
    session.flush()
    return device, key
