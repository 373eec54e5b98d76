"""Request and response bodies of the records API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.platform.records.models import Meal, RecordKind


class PhotoRef(BaseModel):
    photo_id: int
    url: str


class RecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_id: int | None = Field(default=None, ge=1, description="School users: their own site, may be omitted")
    record_date: date
    meal: Meal | None = None
    data: dict[str, Any]
    photo_ids: list[int] = Field(default_factory=list, max_length=12)


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    data: dict[str, Any]
    reason: str = Field(min_length=1, max_length=500)
    photo_ids: list[int] | None = Field(default=None, max_length=12, description="Omitted: the photos stay")


class RecordPublic(BaseModel):
    id: int
    kind: RecordKind
    site_id: int
    site_name: str
    record_date: date
    meal: Meal | None
    data: dict[str, Any]
    photos: list[PhotoRef]
    created_by_name: str
    created_at: datetime
    version: int
    corrected: bool


class VersionPublic(BaseModel):
    version: int
    data: dict[str, Any]
    photos: list[PhotoRef]
    by_name: str
    at: datetime
    reason: str


class TodayItem(BaseModel):
    kind: RecordKind
    meal: Meal | None
    due_at: datetime
    done: bool
    record_id: int | None


class Rate(BaseModel):
    done: int
    expected: int
    rate: float | None = Field(description="done / expected; null when nothing is expected")


class SiteCompletion(BaseModel):
    site_id: int
    site_name: str
    street: str
    by_kind: dict[str, Rate]
    rate: float | None


class Completion(BaseModel):
    days: int
    sites: list[SiteCompletion]
    by_kind: dict[str, Rate]
