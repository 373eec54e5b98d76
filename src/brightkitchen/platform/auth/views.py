from __future__ import annotations

from fastapi import APIRouter, Request, status

from brightkitchen.platform.auth import service
from brightkitchen.platform.auth.principals import AccountDep
from brightkitchen.platform.auth.schemas import LoginRequest, PasswordChange, TokenPublic
from brightkitchen.platform.deps import SessionDep, SettingsDep, UserDep
from brightkitchen.platform.problems import not_found
from brightkitchen.platform.users.models import User
from brightkitchen.platform.users.schemas import UserPublic

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/login",
    response_model=TokenPublic,
    summary="Sign in with username and password",
    responses={429: {"description": "too many attempts from this address or at this account; see Retry-After"}},
)
def login(body: LoginRequest, request: Request, session: SessionDep, settings: SettingsDep) -> TokenPublic:
    client = request.client.host if request.client else "unknown"
    token, row, user = service.login(session, settings, body.username, body.password, client)
    return TokenPublic(access_token=token, expires_at=row.expires_at, user=UserPublic.model_validate(user))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke the current access token")
def logout(principal: AccountDep, session: SessionDep) -> None:
    if principal.token_id is not None:
        service.revoke_token(session, principal.token_id)


@router.get("/me", response_model=UserPublic, summary="The signed-in user")
def me(principal: UserDep, session: SessionDep) -> UserPublic:
    user = session.get(User, principal.id)
    if user is None:
        raise not_found("user")
    return UserPublic.model_validate(user)


@router.post(
    "/password",
    response_model=UserPublic,
    summary="Change one's own password (the current one is asked); other sessions are signed out",
    responses={429: {"description": "too many wrong current passwords; see Retry-After"}},
)
def change_password(
    body: PasswordChange, request: Request, principal: AccountDep, session: SessionDep, settings: SettingsDep
) -> UserPublic:
    user = session.get(User, principal.id)
    if user is None:
        raise not_found("user")
    client = request.client.host if request.client else "unknown"
    changed = service.change_password(
        session, settings, user, body.current_password, body.new_password, principal.token_id, client
    )
    return UserPublic.model_validate(changed)
