"""Device authentication for the hot device endpoints, done inside the request's one worker-thread call
(FastAPI would run each sync dependency in its own thread hop, which costs more than the work here)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.deps import get_principal, require_device
from brightkitchen.platform.device_api.ratelimit import rate_limited_device

_bearer = HTTPBearer(auto_error=False)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def authenticate(request: Request, session: Session, creds: HTTPAuthorizationCredentials | None) -> Principal:
    """401 unknown key, 403 not a device, 429 over its rate (with Retry-After)."""
    return rate_limited_device(require_device(get_principal(request, session, creds)), request)


def authenticate_alone(request: Request, creds: HTTPAuthorizationCredentials | None) -> Principal:
    """The same, in a session of its own (closed before a large body is read)."""
    with request.app.state.ctx.sessions() as session:
        return authenticate(request, session, creds)
