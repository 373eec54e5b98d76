"""The video access log: every request to watch (live or a recorded range) is one row, written with the grant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.security import sign
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.tenancy import site_scope
from brightkitchen.platform.users.models import User
from brightkitchen.platform.video.models import VideoAccess

PUBLIC_ROLE = "public"


@dataclass(frozen=True)
class Viewer:
    """Who asks: a signed-in person, or a member of the public known only by a keyed hash of the address."""

    user_id: int | None
    role: str
    client_hash: str | None = None

    @classmethod
    def person(cls, principal: Principal) -> Viewer:
        return cls(principal.id, str(principal.role))

    @classmethod
    def public(cls, secret_key: str, client_address: str) -> Viewer:
        return cls(None, PUBLIC_ROLE, client_hash(secret_key, client_address))


def client_hash(secret_key: str, client_address: str) -> str:
    """Keyed, so the log cannot be turned back into addresses by hashing every IPv4 address."""
    return sign(secret_key, f"video-client\n{client_address}".encode())


def log_access(
    session: Session,
    viewer: Viewer,
    camera: Camera,
    kind: str,
    now: datetime,
    *,
    range_start: datetime | None = None,
    range_end: datetime | None = None,
    request_id: str | None = None,
) -> VideoAccess:
    row = VideoAccess(
        at=now,
        kind=kind,
        site_id=camera.site_id,
        camera_id=camera.id,
        user_id=viewer.user_id,
        role=viewer.role,
        client_hash=viewer.client_hash,
        range_start=range_start,
        range_end=range_end,
        request_id=request_id,
    )
    session.add(row)
    session.flush()
    return row


def access_query(
    principal: Principal, site_id: int | None, camera_id: int | None, kind: str | None
) -> Select[VideoAccess, Site, str, str]:
    """Newest first, limited to the caller's sites."""
    stmt = (
        select(VideoAccess, Site, Camera.name, User.username)
        .join(Site, Site.id == VideoAccess.site_id)
        .outerjoin(Camera, Camera.id == VideoAccess.camera_id)
        .outerjoin(User, User.id == VideoAccess.user_id)
        .where(site_scope(principal))
        .order_by(VideoAccess.at.desc(), VideoAccess.id.desc())
    )
    if site_id is not None:
        stmt = stmt.where(VideoAccess.site_id == site_id)
    if camera_id is not None:
        stmt = stmt.where(VideoAccess.camera_id == camera_id)
    if kind is not None:
        stmt = stmt.where(VideoAccess.kind == kind)
    return stmt
