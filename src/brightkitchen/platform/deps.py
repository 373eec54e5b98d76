"""FastAPI dependencies: the platform context, a DB session per request, and the authenticated caller."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.auth.security import DEVICE_KEY_PREFIX, USER_TOKEN_PREFIX, token_digest
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.users.models import AccessToken, Role, User

_bearer = HTTPBearer(auto_error=False)


def get_context(request: Request) -> PlatformContext:
    ctx: PlatformContext = request.app.state.ctx
    return ctx


def get_settings(ctx: Annotated[PlatformContext, Depends(get_context)]) -> Settings:
    return ctx.settings


def get_session(ctx: Annotated[PlatformContext, Depends(get_context)]) -> Iterator[Session]:
    session = ctx.sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": commit before the response is sent. With the default ("request") the commit would run
# after the client already has its 2xx: a follow-up read could miss the write, and a failed commit would
# still have been answered as a success.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"}, code="unauthorized")


def principal_for_user(session: Session, user: User, token_id: int | None = None) -> Principal:
    region_path = None
    if user.region_id is not None:
        region = session.get(Region, user.region_id)
        region_path = region.path if region else None
    return Principal(
        kind="user",
        id=user.id,
        role=Role(user.role),
        region_id=user.region_id,
        region_path=region_path,
        site_id=user.site_id,
        token_id=token_id,
    )


def get_principal(
    session: SessionDep, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if creds is None or not creds.credentials:
        raise _unauthorized("Sign in first: no access token was sent")
    token = creds.credentials
    digest = token_digest(token)
    now = utcnow()
    if token.startswith(DEVICE_KEY_PREFIX):
        device = session.scalar(select(Device).where(Device.key_hash == digest))
        if device is None or device.revoked_at is not None:
            raise _unauthorized("The device key is unknown or revoked")
        return Principal("device", device.id, None, None, None, device.site_id)
    if token.startswith(USER_TOKEN_PREFIX):
        row = session.execute(
            select(AccessToken, User).join(User, User.id == AccessToken.user_id).where(AccessToken.token_hash == digest)
        ).first()
        if row is None:
            raise _unauthorized("The access token is unknown")
        tok, user = row
        if tok.revoked_at is not None:
            raise _unauthorized("The access token was revoked; sign in again")
        if tok.expires_at <= now:
            raise _unauthorized("The session has expired; sign in again")
        if not user.is_active:
            raise _unauthorized("The account is disabled")
        return principal_for_user(session, user, tok.id)
    raise _unauthorized("The access token is malformed")


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_user(principal: PrincipalDep) -> Principal:
    if principal.kind != "user":
        raise Problem(403, "Forbidden", "Only people may use this endpoint", code="forbidden")
    return principal


def require_device(principal: PrincipalDep) -> Principal:
    if not principal.is_device:
        raise Problem(403, "Forbidden", "Only edge devices may use this endpoint", code="forbidden")
    return principal


UserDep = Annotated[Principal, Depends(require_user)]
DeviceDep = Annotated[Principal, Depends(require_device)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    def check(principal: UserDep) -> Principal:
        if principal.role not in roles:
            raise Problem(403, "Forbidden", "Your role may not do this", code="forbidden")
        return principal

    return check


AdminDep = Annotated[Principal, Depends(require_roles(Role.admin))]
RegionStaffDep = Annotated[Principal, Depends(require_roles(Role.admin, Role.regulator))]
SiteManagerDep = Annotated[Principal, Depends(require_roles(Role.admin, Role.regulator, Role.school_admin))]
