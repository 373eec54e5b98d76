from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.auth.security import DEVICE_KEY_PREFIX, new_token, token_digest
from brightkitchen.platform.authz import Principal, site_scope
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.problems import not_found
from brightkitchen.platform.sites.models import Site


def get_visible(session: Session, principal: Principal, device_id: int) -> Device:
    device = session.scalar(
        select(Device).join(Site, Site.id == Device.site_id).where(Device.id == device_id, site_scope(principal))
    )
    if device is None:
        raise not_found("device")
    return device


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
