from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from brightkitchen.platform.concerns.models import ConcernState


def _stripped(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class ConcernCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=64, description="optional")
    phone: str = Field(default="", max_length=32, pattern=r"^[0-9+\-() ]*$", description="optional")
    text: str = Field(min_length=1, max_length=1000)

    @field_validator("name", "phone", "text", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return _stripped(value)


class ConcernReceipt(BaseModel):
    received_at: datetime
    receipt_code: str = Field(description="shown once: the complainant looks the concern up with it")


class ConcernStepPublic(BaseModel):
    """One step as staff see it."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime
    action: str
    actor_kind: str = Field(description="public (the complainant) or user")
    actor_role: str | None
    actor_name: str | None = None
    from_state: ConcernState | None
    to_state: ConcernState
    note: str


class ConcernPublic(BaseModel):
    """A concern as the school and the regulator see it. For a school, the name, the phone and any number in the
    text are masked (138****5678, 张*)."""

    id: int
    site_id: int
    site_code: str
    site_name: str
    name: str
    phone: str
    contact_masked: bool = Field(description="true where name and phone are masked for the caller's role")
    text: str
    state: ConcernState
    reply: str
    created_at: datetime
    updated_at: datetime
    replied_at: datetime | None
    closed_at: datetime | None


class ConcernDetail(ConcernPublic):
    steps: list[ConcernStepPublic]


class ConcernNote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=1000, description="optional, for staff only")

    @field_validator("note", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return _stripped(value)


class ConcernReplyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reply: str = Field(min_length=1, max_length=2000, description="what the complainant will read")

    @field_validator("reply", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return _stripped(value)


class ConcernReopen(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=1000, description="why the reply is not enough")

    @field_validator("note", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return _stripped(value)


class ReceiptStep(BaseModel):
    state: ConcernState
    at: datetime


class ReceiptLookup(BaseModel):
    """What anyone holding the receipt code reads: the state, its dates and the reply. No contact, no text."""

    site_name: str
    state: ConcernState
    received_at: datetime
    steps: list[ReceiptStep] = Field(description="the dates the concern reached each state, oldest first")
    reply: str
    replied_at: datetime | None
    closed_at: datetime | None
