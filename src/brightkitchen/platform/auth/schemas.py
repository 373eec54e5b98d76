from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.platform.users.schemas import UserPublic


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserPublic


class PasswordChange(BaseModel):
    """The person's own password: the current one proves it is them (a stolen session alone cannot change it)."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)
