from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class ItemPublic(BaseModel):
    code: str
    kind: str  # automatic / manual
    title: str
    title_en: str
    state: str  # ok / failing / pending
    evidence: str
    evidence_en: str
    at: datetime | None


class PhotoPublic(BaseModel):
    id: int
    url: str  # short-lived signed link
    content_type: str
    size: int


class TrainingCreate(BaseModel):
    trainer: str = Field(min_length=1, max_length=64, description="who gave the training")
    attendees: str = Field(default="", max_length=500, description="who was trained")
    trained_at: AwareDatetime | None = Field(default=None, description="when; default now")
    note: str = Field(default="", max_length=2000)


class TrainingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    trainer: str
    attendees: str
    trained_at: datetime
    note: str
    recorded_by: int | None
    recorded_at: datetime


class AcceptancePublic(BaseModel):
    id: int
    site_id: int
    inspector_id: int | None
    inspector_name: str
    note: str
    signed_at: datetime
    photos: list[PhotoPublic]


class AlertTestRequestPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    requested_at: datetime
    expires_at: datetime
    delivered_at: datetime | None


class ChecklistPublic(BaseModel):
    site_id: int
    site_code: str
    site_name: str
    status: str  # not_started / in_progress / accepted / regressed
    status_since: datetime
    first_accepted_at: datetime | None
    covered: bool
    items: list[ItemPublic]
    training: TrainingPublic | None
    acceptance: AcceptancePublic | None
    test_request: AlertTestRequestPublic | None


class SiteStatusPublic(BaseModel):
    site_id: int
    site_code: str
    site_name: str
    region_id: int
    status: str
    status_since: datetime
    items_ok: int
    items_total: int
    failing: list[str]


class StatusChangePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: str
    at: datetime
