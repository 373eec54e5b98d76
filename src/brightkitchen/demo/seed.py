"""Seeds a small demo district: regions, three sites, cameras, one edge device and an account per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.devices.service import issue_key
from brightkitchen.platform.regions.models import Region, RegionKind
from brightkitchen.platform.regions.service import add_region
from brightkitchen.platform.security import hash_password
from brightkitchen.platform.sites.models import Camera, KitchenArea, Site
from brightkitchen.platform.users.models import Role, User

DEMO_PASSWORD = "demo-2026"


@dataclass
class DemoWorld:
    site_code: str
    device_key: str
    camera_keys: list[str]
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (username, password, what it is)


def _user(
    session: Session,
    username: str,
    role: Role,
    region: Region | None = None,
    site: Site | None = None,
    display_name: str = "",
) -> None:
    session.add(
        User(
            username=username,
            password_hash=hash_password(DEMO_PASSWORD),
            role=role,
            region_id=region.id if region else None,
            site_id=site.id if site else None,
            display_name=display_name,
        )
    )


def seed(session: Session) -> DemoWorld:
    """Idempotent: a second run finds the demo site and only issues a fresh device key."""
    existing = session.scalar(select(Site).where(Site.code == "DEMO-001"))
    if existing is not None:
        device = session.scalars(select(Device).where(Device.site_id == existing.id)).first()
        assert device is not None
        key = issue_key(device)
        cams = list(session.scalars(select(Camera.key).where(Camera.site_id == existing.id)))
        return DemoWorld(existing.code, key, cams, _logins())
    city = add_region(session, "示范市", "demo-city", RegionKind.city, None)
    district = add_region(session, "示范区市场监管分局", "demo-district", RegionKind.district, city)
    street_a = add_region(session, "和平街道", "demo-street-a", RegionKind.street, district)
    street_b = add_region(session, "新华街道", "demo-street-b", RegionKind.street, district)
    sites = [
        Site(
            code="DEMO-001",
            name="示范区实验小学",
            kind="school",
            region_id=street_a.id,
            address="和平路 1 号",
            contact_name="张老师",
            contact_phone="13800000001",
            work_start=time(0, 0),
            work_end=time(23, 59),
            public_page=True,
            # The demo shows its public live view whenever it runs (equal times: all day).
            public_video_from=time(0, 0),
            public_video_until=time(0, 0),
        ),
        Site(
            code="DEMO-002",
            name="示范区第一幼儿园",
            kind="kindergarten",
            region_id=street_a.id,
            address="和平路 8 号",
            contact_name="李园长",
            contact_phone="13800000002",
        ),
        Site(
            code="DEMO-003",
            name="鑫源学生配餐中心",
            kind="meal_supplier",
            region_id=street_b.id,
            address="新华路 3 号",
            contact_name="王经理",
            contact_phone="13800000003",
        ),
    ]
    session.add_all(sites)
    session.flush()
    cameras: list[str] = []
    for site in sites:
        for area_name, kind, key, cam_name in (
            ("操作间", "cooking", "kitchen-1", "后厨-操作台"),
            ("备餐间", "serving", "serving-1", "备餐间-出餐口"),
        ):
            area = KitchenArea(site_id=site.id, name=area_name, kind=kind)
            session.add(area)
            session.flush()
            session.add(
                Camera(site_id=site.id, area_id=area.id, key=key, name=cam_name, public=True, stream_url="file:sample")
            )
            if site.code == "DEMO-001":
                cameras.append(key)
    device = Device(site_id=sites[0].id, name="边缘服务器-1", serial="DEMO-EDGE-1")
    key = issue_key(device)
    session.add(device)
    _user(session, "admin", Role.admin, display_name="系统管理员")
    _user(session, "regulator", Role.regulator, region=district, display_name="示范区分局监管员")
    _user(session, "school", Role.school_admin, site=sites[0], display_name="实验小学食堂管理员")
    _user(session, "staff", Role.school_staff, site=sites[0], display_name="实验小学厨师")
    session.flush()
    return DemoWorld(sites[0].code, key, cameras, _logins())


def _logins() -> list[tuple[str, str, str]]:
    return [
        ("regulator", DEMO_PASSWORD, "监管端 regulator (district)"),
        ("school", DEMO_PASSWORD, "学校端 school admin (DEMO-001)"),
        ("staff", DEMO_PASSWORD, "食堂人员 kitchen staff (DEMO-001)"),
        ("admin", DEMO_PASSWORD, "系统管理员 admin"),
    ]
