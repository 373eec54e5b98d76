"""What the registry answers and accepts (the web app and the edge side build against these shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Threshold = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Scope = Literal["region", "site"]
DeviceState = Literal["active", "pending", "other", "failed"]


class ModelVersionOut(BaseModel):
    id: int
    name: str
    version: str
    sha256: str
    size: int
    card: dict[str, Any]
    notes: str
    uploaded_by: int | None
    uploaded_by_name: str | None
    uploaded_at: datetime
    labels: list[str]
    codes: list[str]


class AssignmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_id: int = Field(ge=1, le=2**31 - 1)
    scope: Scope
    region_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    site_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    canary: bool = False
    label_thresholds: dict[Annotated[str, Field(max_length=128)], Threshold] = Field(
        default_factory=dict, max_length=256
    )


class AssignmentOut(BaseModel):
    id: int
    model_id: int
    model_name: str
    model_version: str
    scope: Scope
    region_id: int | None
    region_name: str | None
    site_id: int | None
    site_name: str | None
    canary: bool
    label_thresholds: dict[str, float]
    assigned_by: int | None
    assigned_at: datetime


class PromoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region_id: int = Field(ge=1, le=2**31 - 1)


class RolloutDevice(BaseModel):
    device_id: int
    name: str
    reported_version: str | None
    last_seen_at: datetime | None
    state: DeviceState
    error: str | None = None


class RolloutSite(BaseModel):
    site_id: int
    site_name: str
    canary: bool
    devices: list[RolloutDevice]


class RolloutCounts(BaseModel):
    active: int = 0
    pending: int = 0
    other: int = 0
    failed: int = 0


class RolloutOut(BaseModel):
    model_id: int
    name: str
    version: str
    sites: list[RolloutSite]
    counts: RolloutCounts


class ThresholdAdvice(BaseModel):
    site_id: int
    site_name: str
    label: str
    code: str
    alerts: int
    false_positives: int
    fp_rate: float
    current_threshold: float
    suggested_threshold: float
    reason: str
