from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.platform.pagination import Page


class AlertPublic(BaseModel):
    """One alert in a list: what the web app's tables show."""

    id: int
    site_id: int
    site_name: str
    camera_id: int | None
    camera_name: str | None
    code: str
    code_name: str
    state: str
    overdue: bool
    escalated: bool
    escalated_at: datetime | None
    started_at: datetime
    created_at: datetime
    deadline_at: datetime
    score: float
    source: str
    test: bool
    snapshot_url: str | None = Field(description="short-lived signed link; None when there is no snapshot")
    thumbnail_url: str | None = Field(
        default=None, description="short-lived signed link to a small JPEG of the snapshot, for lists; None without one"
    )
    detection_count: int = Field(default=1, description="detections in the alert's episode (发现次数)")
    last_seen_at: datetime = Field(description="when the episode's latest detection ended (最近发现)")


class EvidencePublic(BaseModel):
    kind: str
    url: str
    content_type: str
    size: int
    sha256: str
    seen_at: datetime | None = Field(
        default=None, description="when the detection this file came with started; None for older alerts"
    )


class AuditPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    action: str
    actor_kind: str
    actor_id: int | None
    actor_role: str | None
    actor_name: str | None = None
    from_state: str | None
    to_state: str
    reason: str


class RectificationPhotoPublic(BaseModel):
    url: str = Field(description="short-lived signed link")
    content_type: str


class RectificationPublic(BaseModel):
    id: int
    note: str
    photo_url: str = Field(description="the first photo (kept for older clients); every photo is in photos")
    photos: list[RectificationPhotoPublic] = Field(default_factory=list, description="in the order they were picked")
    submitted_by: int | None
    submitted_at: datetime
    decision: str | None
    reviewed_by: int | None
    reviewed_at: datetime | None
    review_reason: str


class AlertDetailPublic(AlertPublic):
    event_id: str
    ended_at: datetime
    boxes: list[dict[str, Any]]
    frame_width: int
    frame_height: int
    track_id: int | None
    model_name: str
    model_version: str
    detail: str
    false_positive_reason: str | None
    pushed_at: datetime | None
    submitted_at: datetime | None
    closed_at: datetime | None
    evidence: list[EvidencePublic]
    history: list[AuditPublic]
    rectifications: list[RectificationPublic]
    actions: list[str] = Field(description="transitions the caller may do now: start, submit, approve, reject, ...")


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    reason: str = Field(default="", max_length=2000, description="required when rejecting")


class FalsePositiveCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class BulkReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[int] = Field(min_length=1, max_length=200)
    decision: Literal["approve", "reject"]
    reason: str = Field(default="", max_length=2000)


class AlertPage(Page[AlertPublic]):
    """One page of the alert list: by ``page`` (an offset) or after a ``cursor`` (a keyset, as cheap deep in
    as on page 1)."""

    next_cursor: str | None = Field(
        default=None, description="pass as ?cursor= (same sort and filters) for the next page; null on the last page"
    )
    total_estimated: bool = Field(
        default=False, description="true when the list is too long to count exactly and total is an estimate"
    )


class BulkReviewItem(BaseModel):
    id: int
    ok: bool
    status: int
    state: str | None = None
    detail: str | None = None
    code: str | None = Field(default=None, description="the problem code of a failed id (not_found, wrong_state, ...)")


class BulkReviewPublic(BaseModel):
    items: list[BulkReviewItem]
    succeeded: int
    failed: int


class BulkRectifyPublic(BaseModel):
    """The answer to one batch rectification: one result per id, as for bulk review."""

    items: list[BulkReviewItem]
    succeeded: int
    failed: int


class DeadlinePolicyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region_id: int
    code: str = Field(default="*", max_length=32, description='a violation code, or "*" for every code')
    rectify_hours: float = Field(gt=0, le=24 * 90)
    escalate_hours: float = Field(gt=0, le=24 * 180)


class DeadlinePolicyPublic(DeadlinePolicyCreate):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int


class EpisodePolicyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region_id: int
    code: str = Field(default="*", max_length=32, description='a violation code, or "*" for every code')
    min_duration_s: float = Field(
        ge=0, le=86400, description="an episode shorter than this raises no alert (its detections are still kept)"
    )
    gap_s: float = Field(ge=10, le=7 * 86400, description="a sighting this long after the last one starts a new alert")


class EpisodePolicyPublic(EpisodePolicyCreate):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int
