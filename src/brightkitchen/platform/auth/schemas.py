from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from brightkitchen.platform.users.schemas import UserPublic


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserPublic
