"""Request and response bodies of the staff API."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Name = Field(min_length=1, max_length=64)


class CertState(StrEnum):
    valid = "valid"
    expiring = "expiring"
    expired = "expired"


class _Dates(BaseModel):
    @field_validator("name", "position", "phone", "cert_no", check_fields=False)
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError("control characters are not allowed")
        return value

    @model_validator(mode="after")
    def _order(self) -> _Dates:
        issued, expires = getattr(self, "cert_issued_on", None), getattr(self, "cert_expires_on", None)
        if issued is not None and expires is not None and expires < issued:
            raise ValueError("cert_expires_on must not be before cert_issued_on")
        return self


class StaffIn(_Dates):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    site_id: int | None = Field(default=None, ge=1, description="School admins: their own site, may be omitted")
    name: str = Name
    position: str = Name
    phone: str | None = Field(default=None, max_length=32)
    cert_no: str = Name
    cert_issued_on: date
    cert_expires_on: date
    photo_id: int | None = Field(default=None, ge=1)
    active: bool = True


class StaffPatch(_Dates):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=64)
    position: str | None = Field(default=None, min_length=1, max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    cert_no: str | None = Field(default=None, min_length=1, max_length=64)
    cert_issued_on: date | None = None
    cert_expires_on: date | None = None
    photo_id: int | None = Field(default=None, ge=1)
    active: bool | None = None


class StaffPublic(BaseModel):
    id: int
    site_id: int
    site_name: str
    name: str
    position: str
    phone: str
    cert_no: str
    cert_issued_on: date
    cert_expires_on: date
    photo_url: str | None
    active: bool
    cert_state: CertState
    days_left: int = Field(description="days until the certificate expires; negative once it has")


class StaffImportResult(BaseModel):
    created: int
    updated: int
