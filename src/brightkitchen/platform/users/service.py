from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal, region_path_clause
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.problems import Problem, conflict, forbidden, not_found
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.security import hash_password
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.tenancy import can_see_region, can_see_site, subtree_ids, visible_region, visible_site_ids
from brightkitchen.platform.users.models import AccessToken, Role, User
from brightkitchen.platform.users.passwords import one_time_password
from brightkitchen.platform.users.schemas import UserCreate

# Which roles each role may create or manage (always inside its own scope).
MANAGEABLE: dict[Role, frozenset[Role]] = {
    Role.admin: frozenset(Role),
    Role.regulator: frozenset({Role.regulator, Role.school_admin, Role.school_staff}),
    Role.school_admin: frozenset({Role.school_staff}),
    Role.school_staff: frozenset(),
}


def user_scope(principal: Principal) -> ColumnElement[bool]:
    if principal.is_admin:
        return true()
    if principal.role == Role.regulator:
        regions = select(Region.id).where(region_path_clause(principal, Region.path))
        return or_(User.region_id.in_(regions), User.site_id.in_(visible_site_ids(principal)))
    if principal.role == Role.school_admin and principal.site_id is not None:
        return User.site_id == principal.site_id
    return false()


def get_visible(session: Session, principal: Principal, user_id: int) -> User:
    user = session.scalar(select(User).where(User.id == user_id, user_scope(principal)))
    if user is None:
        raise not_found("user")
    return user


def check_may_manage(
    session: Session, principal: Principal, role: Role, region_id: int | None, site_id: int | None
) -> None:
    assert principal.role is not None
    if role not in MANAGEABLE[principal.role]:
        raise forbidden(f"a {principal.role} may not manage {role} accounts")
    if site_id is not None and not can_see_site(session, principal, site_id):
        raise Problem(
            422,
            "Invalid request",
            "that site is outside your scope",
            errors=[{"field": "site_id", "message": "no such site in your scope"}],
        )
    if region_id is not None and not can_see_region(session, principal, region_id):
        raise Problem(
            422,
            "Invalid request",
            "that region is outside your scope",
            errors=[{"field": "region_id", "message": "no such region in your scope"}],
        )
    if role == Role.admin and region_id is None and not principal.is_admin:
        raise forbidden("only a global admin may create a global admin")


def check_may_change_account(principal: Principal, user: User) -> None:
    """Only an admin resets, edits or deletes a regulator's (or an admin's) account: a regulator who could set
    a peer's password could sign in as the peer. Everyone may still edit their own account."""
    if Role(user.role) in (Role.regulator, Role.admin) and not principal.is_admin and user.id != principal.id:
        raise forbidden(f"only an admin may change a {user.role} account")


def in_region(session: Session, principal: Principal, region_id: int) -> ColumnElement[bool]:
    """Accounts of a region's subtree: its regulators (and region admins) and the people of its sites."""
    region = visible_region(session, principal, region_id)
    regions = subtree_ids(region)
    sites = select(Site.id).where(Site.region_id.in_(regions))
    return or_(User.region_id.in_(regions), User.site_id.in_(sites))


def create(session: Session, body: UserCreate, *, must_change_password: bool = False) -> User:
    """An account with the password in ``body`` (the console's ``user create`` types its own)."""
    if session.scalar(select(User.id).where(User.username == body.username)) is not None:
        raise conflict(f"username '{body.username}' is taken")
    if body.password is None:
        raise ValueError("create() needs a password; create_account() makes one")
    user = User(
        username=body.username,
        password_hash=hash_password(body.password),
        must_change_password=must_change_password,
        role=body.role,
        display_name=body.display_name,
        region_id=body.region_id,
        site_id=body.site_id,
        phone=body.phone,
        email=str(body.email) if body.email else "",
    )
    session.add(user)
    session.flush()
    return user


def create_account(session: Session, body: UserCreate) -> tuple[User, str | None]:
    """An account made by someone else: its owner changes the password at first sign-in. With no password
    given the server makes a one-time one, returned here only."""
    generated = one_time_password() if body.password is None else None
    with_password = body.model_copy(update={"password": body.password or generated})
    return create(session, with_password, must_change_password=True), generated


def reset_password(session: Session, user: User) -> str:
    """A fresh one-time password: every session of the account ends and the owner must change it at sign-in."""
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    revoke_all_for_user(session, user.id)
    return password


def revoke_all_for_user(session: Session, user_id: int) -> None:
    now = utcnow()
    for tok in session.scalars(
        select(AccessToken).where(AccessToken.user_id == user_id, AccessToken.revoked_at.is_(None))
    ):
        tok.revoked_at = now
