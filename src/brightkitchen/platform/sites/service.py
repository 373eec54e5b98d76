from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.pagination import PageParams, paginate
from brightkitchen.platform.problems import Problem, conflict, forbidden, not_found
from brightkitchen.platform.regions.service import ensure_street
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, KitchenArea, Site
from brightkitchen.platform.sites.schemas import SCHOOL_EDITABLE, CameraPublic, SiteCreate, SiteUpdate
from brightkitchen.platform.sorting import sorted_by
from brightkitchen.platform.storage.links import signed_url
from brightkitchen.platform.tenancy import can_see_region, in_region, site_scope
from brightkitchen.platform.tenancy import get_visible as get_scoped
from brightkitchen.platform.users.models import Role


def get_visible(session: Session, principal: Principal, site_id: int) -> Site:
    return get_scoped(session, principal, Site, site_id, "site")


def check_region_allowed(session: Session, principal: Principal, region_id: int) -> None:
    ensure_street(session, region_id)
    if not can_see_region(session, principal, region_id):
        raise Problem(
            422,
            "Invalid request",
            "that region is outside your scope",
            errors=[{"field": "region_id", "message": "not in your region"}],
        )


def create(session: Session, principal: Principal, body: SiteCreate) -> Site:
    check_region_allowed(session, principal, body.region_id)
    if session.scalar(select(Site.id).where(Site.code == body.code)) is not None:
        raise conflict(f"site code '{body.code}' is taken")
    site = Site(**body.model_dump())
    session.add(site)
    session.flush()
    return site


def update(session: Session, principal: Principal, site: Site, body: SiteUpdate) -> Site:
    changes = body.model_dump(exclude_unset=True)
    if principal.role in (Role.school_admin,) and not set(changes) <= SCHOOL_EDITABLE:
        raise forbidden("a school may change only its contact, address, hours and public page")
    if "region_id" in changes:
        check_region_allowed(session, principal, changes["region_id"])
    for key, value in changes.items():
        if value is None and key not in ("address", "video_stream_limit"):
            continue
        setattr(site, key, value)
    return site


SITE_SORTS = {"name": Site.name, "code": Site.code, "kind": Site.kind, "created_at": Site.created_at}
CAMERA_SORTS = {
    "name": Camera.name,
    "key": Camera.key,
    "status": Camera.status,
    "site_id": Camera.site_id,
    "last_seen_at": Camera.last_seen_at,
}


def list_sites(
    session: Session,
    principal: Principal,
    params: PageParams,
    region_id: int | None,
    kind: str | None,
    q: str | None,
    sort: str | None = None,
) -> tuple[list[Site], int]:
    stmt = sorted_by(select(Site).where(site_scope(principal)), sort, SITE_SORTS, Site.id)
    if region_id is not None:
        stmt = stmt.where(in_region(session, principal, region_id))
    if kind is not None:
        stmt = stmt.where(Site.kind == kind)
    if q:
        stmt = stmt.where(Site.name.contains(q, autoescape=True) | Site.code.contains(q, autoescape=True))
    return paginate(session, stmt, params)


def list_areas(session: Session, site: Site) -> Sequence[KitchenArea]:
    return session.scalars(select(KitchenArea).where(KitchenArea.site_id == site.id).order_by(KitchenArea.id)).all()


def get_area(session: Session, site: Site, area_id: int) -> KitchenArea:
    area = session.get(KitchenArea, area_id)
    if area is None or area.site_id != site.id:
        raise not_found("area")
    return area


@dataclass(frozen=True)
class CameraFilters:
    site_id: int | None = None
    status: str | None = None
    region_id: int | None = None
    area_id: int | None = None
    q: str | None = None
    sort: str | None = None


def list_cameras(
    session: Session, principal: Principal, params: PageParams, filters: CameraFilters
) -> tuple[list[Camera], int]:
    stmt = select(Camera).join(Site, Site.id == Camera.site_id).where(site_scope(principal))
    stmt = sorted_by(stmt, filters.sort, CAMERA_SORTS, Camera.id)
    if filters.site_id is not None:
        stmt = stmt.where(Camera.site_id == filters.site_id)
    if filters.status is not None:
        stmt = stmt.where(Camera.status == filters.status)
    if filters.region_id is not None:
        stmt = stmt.where(in_region(session, principal, filters.region_id))
    if filters.area_id is not None:
        stmt = stmt.where(Camera.area_id == filters.area_id)
    if filters.q:
        stmt = stmt.where(
            Camera.name.contains(filters.q, autoescape=True) | Camera.key.contains(filters.q, autoescape=True)
        )
    return paginate(session, stmt, params)


def require_manager(principal: Principal) -> None:
    """Structure of a site (areas, cameras, devices) is managed by admins, regulators and the school admin."""
    if principal.role not in (Role.admin, Role.regulator, Role.school_admin):
        raise forbidden("only a school admin or a regulator may change this site's setup")


def create_area(session: Session, site: Site, name: str, kind: str) -> KitchenArea:
    if session.scalar(select(KitchenArea.id).where(KitchenArea.site_id == site.id, KitchenArea.name == name)):
        raise conflict(f"area '{name}' exists at this site")
    area = KitchenArea(site_id=site.id, name=name, kind=kind)
    session.add(area)
    session.flush()
    return area


def check_area(session: Session, site: Site, area_id: int | None) -> None:
    if area_id is None:
        return
    area = session.get(KitchenArea, area_id)
    if area is None or area.site_id != site.id:
        raise Problem(
            422,
            "Invalid request",
            "the area is not at this site",
            errors=[{"field": "area_id", "message": "no such area at this site"}],
        )


def get_camera_visible(session: Session, principal: Principal, camera_id: int) -> Camera:
    return get_scoped(session, principal, Camera, camera_id, "camera")


def create_camera(session: Session, site: Site, **fields: object) -> Camera:
    key = str(fields["key"])
    if session.scalar(select(Camera.id).where(Camera.site_id == site.id, Camera.key == key)):
        raise conflict(f"camera key '{key}' exists at this site")
    camera = Camera(site_id=site.id, **fields)
    session.add(camera)
    session.flush()
    return camera


def camera_public(camera: Camera, settings: Settings, now: datetime) -> CameraPublic:
    """A camera as people see it, with a short-lived signed link to its latest picture."""
    out = CameraPublic.model_validate(camera)
    if camera.latest_picture_key:
        out.latest_picture_url = signed_url(settings.secret_key, camera.latest_picture_key, now,
                                            settings.evidence_url_ttl_s)  # fmt: skip
    return out
