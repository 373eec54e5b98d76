"""Password login with throttling, token issue and revocation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.db import utcnow
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.security import USER_TOKEN_PREFIX, new_token, token_digest, verify_password
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.users.models import AccessToken, User


def login(session: Session, settings: Settings, username: str, password: str) -> tuple[str, AccessToken, User]:
    now = utcnow()
    user = session.scalar(select(User).where(User.username == username))
    if user is not None and user.locked_until is not None and user.locked_until > now:
        wait = int((user.locked_until - now).total_seconds()) + 1
        raise Problem(
            429,
            "Too many failed sign-ins",
            f"Too many wrong passwords; try again in {wait} s",
            headers={"Retry-After": str(wait)},
            code="login_throttled",
        )
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        if user is not None and not ok:
            user.failed_logins += 1
            if user.failed_logins >= settings.login_max_failures:
                user.locked_until = now + timedelta(seconds=settings.login_lockout_s)
                user.failed_logins = 0
            session.commit()
        raise Problem(401, "Sign-in failed", "Wrong username or password", code="bad_credentials")
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
