"""Password login with throttling, token issue and revocation.

Throttling counts attempts, not failures: each attempt takes a hit on two database counters before the password
is even checked, so parallel guesses cannot slip past the limit. One counter is per client address (many accounts
guessed from one place), the other per account and address (many guesses at one account): an attacker elsewhere
can use up neither of a real user's counters, so nobody can lock the admin out. A successful sign-in gives its hits
back. Unknown usernames are counted exactly like real ones, so a 429 tells nothing about which accounts exist."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from brightkitchen.platform.auth import throttle
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.security import (
    USER_TOKEN_PREFIX,
    hash_password,
    new_token,
    sign,
    token_digest,
    verify_password,
)
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.users.models import AccessToken, User
from brightkitchen.platform.users.passwords import password_rule


def _buckets(settings: Settings, username: str, client: str) -> tuple[str, str]:
    address = sign(settings.secret_key, f"login-address\n{client}".encode())
    account = sign(settings.secret_key, f"login-account\n{username.casefold()}\n{client}".encode())
    return address, account


def _throttled(wait: int) -> Problem:
    return Problem(
        429,
        "Too many failed sign-ins",
        f"Too many sign-in attempts; try again in {wait} s",
        headers={"Retry-After": str(wait)},
        code="login_throttled",
    )


def _take_attempt(engine: Engine, settings: Settings, buckets: tuple[str, str], now: datetime) -> None:
    """Counts this attempt (committed at once, for every process to see); 429 when either counter is over."""
    window = timedelta(seconds=settings.login_lockout_s)
    limits = (settings.login_max_failures_per_address, settings.login_max_failures)
    with engine.begin() as conn:
        counts = [throttle.hit(conn, bucket, now, window) for bucket in buckets]
    over = [c for c, limit in zip(counts, limits, strict=True) if c.hits > limit]
    if over:
        raise _throttled(max(c.wait_s(now, window) for c in over))


def _give_back(engine: Engine, buckets: tuple[str, str]) -> None:
    address, account = buckets
    with engine.begin() as conn:
        throttle.undo(conn, address)
        throttle.reset(conn, account)


def login(
    session: Session, settings: Settings, username: str, password: str, client: str = "unknown"
) -> tuple[str, AccessToken, User]:
    now = utcnow()
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    buckets = _buckets(settings, username, client)
    # Before this session writes anything: on SQLite a write here would hold the lock the counters need.
    _take_attempt(engine, settings, buckets, now)
    user = session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)  # a dummy hash for unknown names
    if user is None or not ok or not user.is_active:
        raise Problem(401, "Sign-in failed", "Wrong username or password", code="bad_credentials")
    _give_back(engine, buckets)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    token = new_token(USER_TOKEN_PREFIX)
    row = AccessToken(
        token_hash=token_digest(token),
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.access_token_ttl_s),
    )
    session.add(row)
    session.flush()
    return token, row, user


def revoke_token(session: Session, token_id: int) -> None:
    tok = session.get(AccessToken, token_id)
    if tok is not None and tok.revoked_at is None:
        tok.revoked_at = utcnow()


def _invalid(field: str, message: str, code: str, rule: str | None = None) -> Problem:
    error = {"field": field, "message": message} | ({"type": f"password_{rule}"} if rule else {})
    return Problem(422, "Invalid request", message, errors=[error], code=code)


def change_password(
    session: Session, settings: Settings, user: User, current: str, new: str, keep_token_id: int | None, client: str
) -> User:
    """Checks the current password (counted like a sign-in, so a stolen session cannot guess it), applies the
    policy to the new one, clears the must-change flag and signs out every other session of the person."""
    now = utcnow()
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    buckets = _buckets(settings, user.username, client)
    _take_attempt(engine, settings, buckets, now)
    if not verify_password(user.password_hash, current):
        raise _invalid("current_password", "the current password is wrong", "wrong_password")
    _give_back(engine, buckets)
    if broken := password_rule(new, user.username):
        raise _invalid("new_password", broken[1], "weak_password", broken[0])
    if new == current:
        raise _invalid("new_password", "the new password must differ from the current one", "same_password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    for tok in session.scalars(
        select(AccessToken).where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
    ):
        if tok.id != keep_token_id:
            tok.revoked_at = now
    return user
