"""FastAPI dependencies: the platform context, a DB session per request, the clock, and the authenticated
caller with the role guards."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.roles import Role
from brightkitchen.platform.settings import Settings

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


async def get_now() -> datetime:
    """The request's "now"; async so it costs no worker-thread hop. Tests override it to move time."""
    return utcnow()


NowDep = Annotated[datetime, Depends(get_now)]


async def now_for(request: Request) -> datetime:
    """``get_now`` for an endpoint that resolves no dependencies (the heartbeat, the hottest request): the same
    answer, a test's override included, without FastAPI's dependency machinery."""
    value = request.app.dependency_overrides.get(get_now, get_now)()
    return cast(datetime, await value if inspect.isawaitable(value) else value)


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"}, code="unauthorized")


# The port the kernel asks: token -> Principal (or a 401 Problem). The auth room provides it and the app
# factory wires it in ``app.state.authenticate``, so this module knows no user, device or region model.
Authenticator = Callable[[Session, str, datetime], Principal]


def get_principal(
    request: Request, session: SessionDep, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if creds is None or not creds.credentials:
        raise _unauthorized("Sign in first: no access token was sent")
    authenticate: Authenticator = request.app.state.authenticate
    return authenticate(session, creds.credentials, utcnow())


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
