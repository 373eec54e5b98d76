"""Device authentication for the hot device endpoints, done inside the request's one worker-thread call
(FastAPI would run each sync dependency in its own thread hop, which costs more than the work here).

A device key checked a moment ago is taken from the worker's ``DeviceKeyCache`` (see key_cache: a revoked
key stops working within ``device_auth_cache_s``), so a heartbeat needs no database read to authenticate."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.deps import get_principal, require_device
from brightkitchen.platform.device_api.key_cache import key_cache_for
from brightkitchen.platform.device_api.ratelimit import TokenBuckets, limiter_for, rate_limited_device
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.security import DEVICE_KEY_PREFIX, token_digest

bearer = HTTPBearer(auto_error=False)  # also called directly: ``await bearer(request)``
BEARER_SCHEME = bearer.scheme_name  # its name among the OpenAPI document's security schemes
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _refused() -> Problem:
    return Problem(401, "Unauthorized", "The device key is unknown or revoked", headers={"WWW-Authenticate": "Bearer"},
                   code="unauthorized")  # fmt: skip


def key_digest(creds: HTTPAuthorizationCredentials | None) -> str | None:
    """The cache key: only device keys are cached."""
    token = creds.credentials if creds is not None else ""
    return token_digest(token) if token.startswith(DEVICE_KEY_PREFIX) else None


def cached_device(request: Request, creds: HTTPAuthorizationCredentials | None) -> Principal | None:
    """The device from the cache, no database read (401 for a key refused a moment ago); None when the
    database must be asked. Not rate-limited yet."""
    digest = key_digest(creds)
    cache = key_cache_for(request.app)
    if digest is None or not cache.enabled:
        return None
    hit = cache.get(digest)
    if hit is False:
        raise _refused()
    return hit if isinstance(hit, Principal) else None


def checked_device(
    request: Request, session: Session, creds: HTTPAuthorizationCredentials | None, *, cached: bool = True
) -> Principal:
    """401 unknown key, 403 not a device; from the cache when it can (``cached``), else from the database,
    which refreshes the cache either way."""
    principal = cached_device(request, creds) if cached else None
    if principal is not None:
        return principal
    cache, digest = key_cache_for(request.app), key_digest(creds)
    try:
        principal = get_principal(request, session, creds)
    except Problem as exc:
        if exc.status == 401 and digest is not None and cache.enabled:
            cache.refuse(digest)
        raise
    principal = require_device(principal)
    if digest is not None and cache.enabled:
        cache.put(digest, principal)
    return principal


def authenticate(request: Request, session: Session, creds: HTTPAuthorizationCredentials | None) -> Principal:
    """401 unknown key, 403 not a device, 429 over its rate (with Retry-After). Always asks the database:
    for the device endpoints that read it anyway (configuration, model files, sensor relay)."""
    return rate_limited_device(checked_device(request, session, creds, cached=False), request)


def authenticate_alone(request: Request, creds: HTTPAuthorizationCredentials | None) -> Principal:
    """The same for the hot endpoints (heartbeats, events, pictures, video), in a session of its own (closed
    before a large body is read), and none at all when the key is in the cache."""
    cache = key_cache_for(request.app)
    if cache.claim_sweep():
        with request.app.state.ctx.sessions() as session:
            cache.sweep(session, utcnow())
    principal = cached_device(request, creds)
    if principal is None:
        with request.app.state.ctx.sessions() as session:
            principal = checked_device(request, session, creds)
    return rate_limited_device(principal, request)


def authenticate_at_once(request: Request, creds: HTTPAuthorizationCredentials | None) -> Principal | None:
    """``authenticate_alone`` where it blocks on nothing, so the event loop may call it: the key in the cache
    and the in-process rate limiter. None when it needs the database or a round trip to a shared limiter
    (then call ``authenticate_alone`` in a worker thread), or when this worker's sweep of revoked keys is due
    (so that every hot endpoint sweeps, whichever of them a worker gets)."""
    if not isinstance(limiter_for(request), TokenBuckets) or key_cache_for(request.app).sweep_due():
        return None
    principal = cached_device(request, creds)
    return None if principal is None else rate_limited_device(principal, request)
