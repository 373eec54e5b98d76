from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import select

from brightkitchen.platform.deps import SessionDep, SiteManagerDep
from brightkitchen.platform.pagination import Page, PageParams, page_params, paginate
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.security import hash_password
from brightkitchen.platform.sorting import SortParam, sorted_by
from brightkitchen.platform.users import service
from brightkitchen.platform.users.models import Role, User
from brightkitchen.platform.users.passwords import password_problem
from brightkitchen.platform.users.schemas import UserCreate, UserPublic, UserUpdate, UserWithPassword

router = APIRouter(prefix="/users", tags=["users"])

SORTS = {
    "username": User.username,
    "display_name": User.display_name,
    "role": User.role,
    "created_at": User.created_at,
    "last_login_at": User.last_login_at,
}


@router.get("", response_model=Page[UserPublic], summary="Accounts the caller may manage")
def list_users(
    principal: SiteManagerDep,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    role: Role | None = None,
    region_id: Annotated[int | None, Query(description="accounts of this region's subtree and its sites")] = None,
    site_id: int | None = None,
    is_active: bool | None = None,
    q: Annotated[str | None, Query(max_length=64, description="username or name contains")] = None,
    sort: SortParam = None,
) -> Page[UserPublic]:
    stmt = sorted_by(select(User).where(service.user_scope(principal)), sort, SORTS, User.id)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if region_id is not None:
        stmt = stmt.where(service.in_region(session, principal, region_id))
    if site_id is not None:
        stmt = stmt.where(User.site_id == site_id)
    if is_active is not None:
        stmt = stmt.where(User.is_active == is_active)
    if q:
        stmt = stmt.where(User.username.contains(q, autoescape=True) | User.display_name.contains(q, autoescape=True))
    rows, total = paginate(session, stmt, params)
    return Page.of([UserPublic.model_validate(u) for u in rows], total, params)


@router.post(
    "",
    response_model=UserWithPassword,
    status_code=status.HTTP_201_CREATED,
    summary="Create an account; without a password the answer carries a one-time one (shown this once)",
)
def create_user(body: UserCreate, principal: SiteManagerDep, session: SessionDep) -> UserWithPassword:
    service.check_may_manage(session, principal, body.role, body.region_id, body.site_id)
    user, generated = service.create_account(session, body)
    return UserWithPassword(**UserPublic.model_validate(user).model_dump(), one_time_password=generated)


@router.get("/{user_id}", response_model=UserPublic)
def get_user(user_id: int, principal: SiteManagerDep, session: SessionDep) -> UserPublic:
    return UserPublic.model_validate(service.get_visible(session, principal, user_id))


@router.patch("/{user_id}", response_model=UserPublic)
def update_user(user_id: int, body: UserUpdate, principal: SiteManagerDep, session: SessionDep) -> UserPublic:
    user = service.get_visible(session, principal, user_id)
    service.check_may_manage(session, principal, Role(user.role), user.region_id, user.site_id)
    service.check_may_change_account(principal, user)
    changes = body.model_dump(exclude_unset=True)
    if "password" in changes and changes["password"] is not None:
        if user.id == principal.id:
            message = "change your own password on the account page: it asks for the current one"
            raise Problem(422, "Invalid request", message, errors=[{"field": "password", "message": message}],
                          code="use_password_change")  # fmt: skip
        if problem := password_problem(changes["password"], user.username):
            raise Problem(422, "Invalid request", problem, errors=[{"field": "password", "message": problem}])
        user.password_hash = hash_password(changes.pop("password"))
        user.must_change_password = True  # someone else knows it now
        service.revoke_all_for_user(session, user.id)
    changes.pop("password", None)
    if changes.get("is_active") is False:
        if user.id == principal.id:
            raise Problem(409, "Conflict", "you cannot disable your own account", code="conflict")
        service.revoke_all_for_user(session, user.id)
    for key, value in changes.items():
        if value is not None:
            setattr(user, key, str(value) if key == "email" else value)
    return UserPublic.model_validate(user)


@router.post(
    "/{user_id}/reset-password",
    response_model=UserWithPassword,
    summary="A new one-time password (shown this once); the account's sessions end and it must be changed",
)
def reset_password(user_id: int, principal: SiteManagerDep, session: SessionDep) -> UserWithPassword:
    user = service.get_visible(session, principal, user_id)
    if user.id == principal.id:
        raise Problem(409, "Conflict", "change your own password on the account page", code="conflict")
    service.check_may_manage(session, principal, Role(user.role), user.region_id, user.site_id)
    service.check_may_change_account(principal, user)
    password = service.reset_password(session, user)
    return UserWithPassword(**UserPublic.model_validate(user).model_dump(), one_time_password=password)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(user_id: int, principal: SiteManagerDep, session: SessionDep) -> None:
    user = service.get_visible(session, principal, user_id)
    if user.id == principal.id:
        raise Problem(409, "Conflict", "you cannot delete your own account", code="conflict")
    service.check_may_manage(session, principal, Role(user.role), user.region_id, user.site_id)
    service.check_may_change_account(principal, user)
    session.delete(user)
