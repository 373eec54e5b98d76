from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator, model_validator

from brightkitchen.platform.users.models import REGION_ROLES, SITE_ROLES, Role
from brightkitchen.platform.users.passwords import MIN_LENGTH, password_problem


def _policy(password: str | None, info: ValidationInfo) -> str | None:
    # ``username`` is declared before ``password``, so on a create it is already validated and in ``info.data``.
    problem = password_problem(password, info.data.get("username")) if password is not None else None
    if problem:
        raise ValueError(problem)
    return password


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_\-\.@]+$")
    password: str | None = Field(
        default=None,
        min_length=MIN_LENGTH,
        max_length=256,
        description="left out: the server makes a one-time password and answers it once",
    )
    role: Role
    display_name: str = Field(default="", max_length=128)
    region_id: int | None = None
    site_id: int | None = None
    phone: str = Field(default="", max_length=32)
    email: EmailStr | None = None

    _password_policy = field_validator("password")(_policy)

    @model_validator(mode="after")
    def _scope_matches_role(self) -> UserCreate:
        if self.role in SITE_ROLES and (self.site_id is None or self.region_id is not None):
            raise ValueError("school roles need site_id and no region_id")
        if self.role == Role.regulator and (self.region_id is None or self.site_id is not None):
            raise ValueError("a regulator needs region_id and no site_id")
        if self.role == Role.admin and self.site_id is not None:
            raise ValueError("an admin is not bound to a site")
        return self


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, max_length=128)
    password: str | None = Field(default=None, min_length=MIN_LENGTH, max_length=256)
    phone: str | None = Field(default=None, max_length=32)
    email: EmailStr | None = None
    is_active: bool | None = None

    _password_policy = field_validator("password")(_policy)


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    region_id: int | None
    site_id: int | None
    phone: str
    email: str
    is_active: bool
    must_change_password: bool = Field(description="a password someone else chose: it is changed at first sign-in")
    last_login_at: datetime | None
    created_at: datetime


class UserWithPassword(UserPublic):
    """Answered once, when the server made the password (a new account or a reset); it is not kept in the clear."""

    one_time_password: str | None = None


__all__ = ["REGION_ROLES", "SITE_ROLES", "UserCreate", "UserPublic", "UserUpdate", "UserWithPassword"]
