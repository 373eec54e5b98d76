"""From a bearer token to the ``Principal``: the authenticator the app factory hands to the kernel
(``deps.get_principal`` asks it), so the kernel never reaches into users, devices or regions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.deps import SessionDep
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.roles import Role
from brightkitchen.platform.security import DEVICE_KEY_PREFIX, USER_TOKEN_PREFIX, token_digest
from brightkitchen.platform.users.models import AccessToken, User


def unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"}, code="unauthorized")


def password_change_required() -> Problem:
    return Problem(
        403,
        "Password change required",
        "Change the one-time password first (POST /api/v1/auth/password)",
        code="password_change_required",
    )


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


def authenticate_token(
    session: Session, token: str, now: datetime, *, allow_password_change: bool = False
) -> Principal:
    """401 for an unknown, revoked, expired or malformed token, or a disabled account; 403
    password_change_required while the account still has a password someone else chose, unless the caller is
    the password change or sign-out itself (``allow_password_change``)."""
    digest = token_digest(token)
    if token.startswith(DEVICE_KEY_PREFIX):
        device = session.scalar(select(Device).where(Device.key_hash == digest))
        if device is None or device.revoked_at is not None:
            raise unauthorized("The device key is unknown or revoked")
        return Principal("device", device.id, None, None, None, device.site_id)
    if token.startswith(USER_TOKEN_PREFIX):
        row = session.execute(
            select(AccessToken, User).join(User, User.id == AccessToken.user_id).where(AccessToken.token_hash == digest)
        ).first()
        if row is None:
            raise unauthorized("The access token is unknown")
        tok, user = row
        if tok.revoked_at is not None:
            raise unauthorized("The access token was revoked; sign in again")
        if tok.expires_at <= now:
            raise unauthorized("The session has expired; sign in again")
        if not user.is_active:
            raise unauthorized("The account is disabled")
        if user.must_change_password and not allow_password_change:
            raise password_change_required()
        return principal_for_user(session, user, tok.id)
    raise unauthorized("The access token is malformed")


_bearer = HTTPBearer(auto_error=False)


def get_account_principal(
    session: SessionDep, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The signed-in person for the endpoints still open while a password change is due (change it, sign out)."""
    if creds is None or not creds.credentials:
        raise unauthorized("Sign in first: no access token was sent")
    principal = authenticate_token(session, creds.credentials, utcnow(), allow_password_change=True)
    if principal.kind != "user":
        raise Problem(403, "Forbidden", "Only people may use this endpoint", code="forbidden")
    return principal


AccountDep = Annotated[Principal, Depends(get_account_principal)]
