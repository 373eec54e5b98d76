from __future__ import annotations

from datetime import datetime, time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from brightkitchen.platform.fields import Id, refuse_nulls
from brightkitchen.platform.sites.models import AreaKind, SiteKind

_CODE = r"^[A-Za-z0-9_\-\.]+$"


class SiteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64, pattern=_CODE)
    name: str = Field(min_length=1, max_length=200)
    kind: SiteKind
    region_id: Id
    address: str = Field(default="", max_length=300)
    contact_name: str = Field(default="", max_length=64)
    contact_phone: str = Field(default="", max_length=32)
    work_start: time = time(5, 0)
    work_end: time = time(20, 0)
    public_page: bool = False
    public_video_from: time = time(6, 0)
    public_video_until: time = time(20, 0)
    video_stream_limit: int | None = Field(default=None, ge=1, le=64)


class SiteUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: SiteKind | None = None
    region_id: Id | None = None
    address: str | None = Field(default=None, max_length=300)
    contact_name: str | None = Field(default=None, max_length=64)
    contact_phone: str | None = Field(default=None, max_length=32)
    work_start: time | None = None
    work_end: time | None = None
    public_page: bool | None = None
    public_video_from: time | None = None
    public_video_until: time | None = None
    video_stream_limit: int | None = Field(default=None, ge=1, le=64)

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        return refuse_nulls(data, nullable=("video_stream_limit",))


# Fields a school admin may change on its own site; the rest is the regulator's.
SCHOOL_EDITABLE = frozenset(
    {
        "address",
        "contact_name",
        "contact_phone",
        "work_start",
        "work_end",
        "public_page",
        "public_video_from",
        "public_video_until",
    }
)


class SitePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: SiteKind
    region_id: int
    address: str
    contact_name: str
    contact_phone: str
    work_start: time
    work_end: time
    public_page: bool
    public_video_from: time
    public_video_until: time
    video_stream_limit: int | None = None


class AreaCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    kind: AreaKind = AreaKind.other


class AreaPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    name: str
    kind: AreaKind


class CameraCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=64, pattern=_CODE)
    name: str = Field(min_length=1, max_length=128, examples=["后厨-操作台"])
    stream_url: str = Field(default="", max_length=1024)
    area_id: Id | None = None
    public: bool = False
    live_url: str = Field(default="", max_length=1024, description="lighter sub-stream for live viewing (write-only)")
    record: bool = True
    retention_days: int = Field(default=7, ge=1, le=90)


class CameraUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=128)
    stream_url: str | None = Field(default=None, max_length=1024)
    area_id: Id | None = None
    public: bool | None = None
    live_url: str | None = Field(default=None, max_length=1024)
    record: bool | None = None
    retention_days: int | None = Field(default=None, ge=1, le=90)

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        return refuse_nulls(data, nullable=("area_id",))


class CameraPublic(BaseModel):
    """A camera as people see it. The stream URL (with its credentials) never leaves the server here."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    area_id: int | None
    key: str
    name: str
    public: bool
    status: str
    fps: float | None
    has_stream_url: bool = False
    has_live_url: bool = False
    record: bool = True
    retention_days: int = 7
    latest_picture_at: datetime | None = None
    last_seen_at: datetime | None = None
    latest_picture_url: str | None = Field(default=None, description="short-lived signed link to the latest picture")

    @model_validator(mode="before")
    @classmethod
    def _flag_url(cls, data: object) -> object:
        url = getattr(data, "stream_url", None)
        if url is not None and not isinstance(data, dict):
            fields = ("id", "site_id", "area_id", "key", "name", "public", "status", "fps", "latest_picture_at",
                      "record", "retention_days", "last_seen_at")  # fmt: skip
            flags = {"has_stream_url": bool(url), "has_live_url": bool(getattr(data, "live_url", ""))}
            return {**{k: getattr(data, k) for k in fields}, **flags}
        return data


class SiteImportResult(BaseModel):
    sites_created: int
    sites_updated: int
    sites_unchanged: int
    streets_created: int
    accounts: list[dict[str, str]] = Field(description="new school admin accounts with one-time passwords")
