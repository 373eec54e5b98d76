from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from brightkitchen.platform.notify.models import ChannelKind, NotificationState, NotifyEvent
from brightkitchen.protocol.codes import ViolationCode


class NotifyChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=128)
    region_id: int | None = None
    site_id: int | None = None
    kind: ChannelKind
    target: str = Field(min_length=3, max_length=1024, description="robot/webhook URL, or e-mail addresses")
    secret: str | None = Field(default=None, max_length=256, description="webhook HMAC key or DingTalk sign secret")
    codes: list[ViolationCode] | None = Field(default=None, description="only these codes; None = all")
    events: list[NotifyEvent] | None = Field(default=None, description="only these events; None = all")
    enabled: bool = True

    @model_validator(mode="after")
    def _one_scope(self) -> NotifyChannelCreate:
        if (self.region_id is None) == (self.site_id is None):
            raise ValueError("give exactly one of region_id or site_id")
        if self.kind != ChannelKind.email and not self.target.startswith(("http://", "https://")):
            raise ValueError("target must be an http(s) URL for this kind")
        return self


class NotifyChannelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=128)
    target: str | None = Field(default=None, min_length=3, max_length=1024)
    secret: str | None = Field(default=None, max_length=256)
    codes: list[ViolationCode] | None = None
    events: list[NotifyEvent] | None = None
    enabled: bool | None = None


class NotifyChannelPublic(BaseModel):
    """A channel as people see it: the secret is never shown, only whether there is one."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    region_id: int | None
    site_id: int | None
    kind: str
    target: str
    has_secret: bool
    codes: list[str] | None
    events: list[str] | None
    enabled: bool
    created_at: datetime


class NotificationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel_id: int
    alert_id: int | None
    event: str
    subject: str
    state: NotificationState
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    sent_at: datetime | None
