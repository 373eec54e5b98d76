from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from brightkitchen.platform.sensors.kinds import RuleOp, SensorKind

KEY_PATTERN = r"^[A-Za-z0-9_-]+$"


# Far beyond any sensor; keeps sums for chart buckets finite (an infinite mean cannot be sent as JSON).
MAX_MAGNITUDE = 1e12


def _finite(v: float) -> float:
    if not math.isfinite(v) or abs(v) > MAX_MAGNITUDE:
        raise ValueError(f"must be a finite number within ±{MAX_MAGNITUDE:g}")
    return v


Finite = Annotated[float, AfterValidator(_finite)]


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    op: RuleOp
    threshold: Finite
    duration_s: int = Field(ge=0, le=7 * 24 * 3600)


class SensorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_id: int | None = Field(default=None, description="school users: their own site, may be omitted")
    key: str = Field(min_length=1, max_length=64, pattern=KEY_PATTERN)
    name: str = Field(min_length=1, max_length=128)
    kind: SensorKind
    area_id: int | None = Field(default=None, description="a kitchen area of the site")
    unit: str | None = Field(default=None, max_length=16, description="default by kind")
    rule: Rule | None = Field(default=None, description="omitted: the kind's default rule; null: no rule")
    enabled: bool = True


class SensorUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str | None = Field(default=None, min_length=1, max_length=64, pattern=KEY_PATTERN)
    name: str | None = Field(default=None, min_length=1, max_length=128)
    area_id: int | None = None
    unit: str | None = Field(default=None, max_length=16)
    rule: Rule | None = None
    enabled: bool | None = None


class SensorPublic(BaseModel):
    id: int
    site_id: int
    site_name: str
    key: str
    name: str
    kind: SensorKind
    area_id: int | None
    area: str | None = Field(description="the kitchen area's name")
    unit: str
    rule: Rule | None
    enabled: bool
    last_value: float | None
    last_at: datetime | None
    breach: bool
    topic: str


class ChartPoint(BaseModel):
    at: datetime
    value: float
    min: float
    max: float


class Readings(BaseModel):
    points: list[ChartPoint]


class OnTime(BaseModel):
    seconds_on: float
    readings: int


class RelayReading(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=64, pattern=KEY_PATTERN)
    value: Finite
    at: datetime


class RelayBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    readings: list[RelayReading] = Field(min_length=1, max_length=1000)


class RelayResult(BaseModel):
    accepted: int
    unknown_keys: list[str] = Field(description="keys with no enabled sensor at this site (logged, not stored)")
