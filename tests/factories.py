"""Test data builders that write straight to the database (fast), plus token helpers for the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts import rollups
from brightkitchen.platform.alerts.models import Alert, AlertAudit
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.devices.service import issue_key
from brightkitchen.platform.notify.models import NotifyChannel
from brightkitchen.platform.regions.models import Region, RegionKind
from brightkitchen.platform.regions.service import add_region
from brightkitchen.platform.security import USER_TOKEN_PREFIX, hash_password, new_token, token_digest
from brightkitchen.platform.sites.models import Camera, KitchenArea, Site
from brightkitchen.platform.users.models import AccessToken, Role, User

PASSWORD = "correct-horse-battery"
_FAST_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose; hash once for every test user


def region(
    session: Session, name: str, kind: RegionKind, parent: Region | None = None, code: str | None = None
) -> Region:
    return add_region(session, name, code or f"{kind}-{name}", kind, parent)


def site(session: Session, street: Region, code: str, name: str | None = None, **kw: Any) -> Site:
    s = Site(
        code=code,
        name=name or f"学校 {code}",
        kind=kw.pop("kind", "school"),
        region_id=street.id,
        work_start=kw.pop("work_start", time(5, 0)),
        work_end=kw.pop("work_end", time(20, 0)),
        **kw,
    )
    session.add(s)
    session.flush()
    return s


def user(
    session: Session, username: str, role: Role, *, region: Region | None = None, site: Site | None = None
) -> User:
    u = User(
        username=username,
        password_hash=_FAST_HASH,
        role=role,
        region_id=region.id if region else None,
        site_id=site.id if site else None,
    )
    session.add(u)
    session.flush()
    return u


def camera(session: Session, s: Site, key: str, name: str = "后厨-操作台", **kw: Any) -> Camera:
    area = KitchenArea(site_id=s.id, name=f"area-{key}", kind="cooking")
    session.add(area)
    session.flush()
    c = Camera(site_id=s.id, key=key, name=name, area_id=area.id, stream_url=kw.pop("stream_url", "rtsp://x/y"), **kw)
    session.add(c)
    session.flush()
    return c


def device(session: Session, s: Site, name: str = "edge-1") -> tuple[Device, str]:
    d = Device(site_id=s.id, name=name)
    key = issue_key(d)
    session.add(d)
    session.flush()
    return d, key


@dataclass
class World:
    """Two districts, each with a street and two sites; people of every role; a device per site."""

    city: Region
    district_a: Region
    district_b: Region
    street_a: Region
    street_b: Region
    site_a1: Site
    site_a2: Site
    site_b1: Site
    users: dict[str, User] = field(default_factory=dict)
    device_keys: dict[str, str] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)
    cameras: dict[str, Camera] = field(default_factory=dict)


def world(session: Session) -> World:
    city = region(session, "示范市", RegionKind.city, code="city")
    da = region(session, "东城分局", RegionKind.district, city, code="dist-a")
    db = region(session, "西城分局", RegionKind.district, city, code="dist-b")
    sa = region(session, "东街道", RegionKind.street, da, code="street-a")
    sb = region(session, "西街道", RegionKind.street, db, code="street-b")
    w = World(city, da, db, sa, sb, site(session, sa, "A1"), site(session, sa, "A2"), site(session, sb, "B1"))
    w.users["admin"] = user(session, "admin", Role.admin)
    w.users["reg_a"] = user(session, "reg_a", Role.regulator, region=da)
    w.users["reg_b"] = user(session, "reg_b", Role.regulator, region=db)
    w.users["reg_city"] = user(session, "reg_city", Role.regulator, region=city)
    w.users["sa_a1"] = user(session, "sa_a1", Role.school_admin, site=w.site_a1)
    w.users["ss_a1"] = user(session, "ss_a1", Role.school_staff, site=w.site_a1)
    w.users["sa_a2"] = user(session, "sa_a2", Role.school_admin, site=w.site_a2)
    w.users["sa_b1"] = user(session, "sa_b1", Role.school_admin, site=w.site_b1)
    for s in (w.site_a1, w.site_a2, w.site_b1):
        w.cameras[s.code] = camera(session, s, f"cam-{s.code.lower()}")
        d, key = device(session, s, f"edge-{s.code}")
        w.devices[s.code], w.device_keys[s.code] = d, key
    session.commit()
    return w


def login(client: Any, username: str, password: str = PASSWORD) -> dict[str, str]:
    resp = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


# --- alerts, notification channels (issue 3) ---


def alert(
    session: Session,
    s: Site,
    cam: Camera | None = None,
    *,
    state: str = "pushed",
    code: str = "no_mask",
    created_at: datetime | None = None,
    rectify_h: float = 24,
    escalate_h: float = 48,
    **kw: Any,
) -> Alert:
    """An alert written straight to the database, in any state, with its creation audit row."""
    created = created_at or utcnow()
    a = Alert(
        event_id=kw.pop("event_id", f"ev-{uuid.uuid4().hex}"),
        site_id=s.id,
        camera_id=cam.id if cam else None,
        code=code,
        state=state,
        score=0.9,
        started_at=created,
        ended_at=created,
        boxes=[],
        created_at=created,
        deadline_at=created + timedelta(hours=rectify_h),
        escalate_at=created + timedelta(hours=escalate_h),
        **kw,
    )
    session.add(a)
    session.flush()
    session.add(AlertAudit(alert_id=a.id, at=created, action="create", actor_kind="system", to_state="new"))
    rollups.born(session, a)  # counted as the platform counts the alerts it raises
    session.commit()
    return a


def channel(
    session: Session, kind: str, target: str, *, site: Site | None = None, region: Region | None = None, **kw: Any
) -> NotifyChannel:
    c = NotifyChannel(
        kind=kind, target=target, site_id=site.id if site else None, region_id=region.id if region else None, **kw
    )
    session.add(c)
    session.commit()
    return c


def bearer(session: Session, username: str) -> dict[str, str]:
    """Headers with a fresh access token made straight in the database: like ``login`` without argon2's
    deliberate slowness, for tests that sign in hundreds of times."""
    u = session.scalars(select(User).where(User.username == username)).one()
    token = new_token(USER_TOKEN_PREFIX)
    session.add(AccessToken(token_hash=token_digest(token), user_id=u.id, expires_at=utcnow() + timedelta(hours=1)))
    session.commit()
    return {"Authorization": f"Bearer {token}"}
