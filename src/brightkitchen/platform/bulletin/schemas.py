from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.platform.bulletin.figures import BulletinFigures
from brightkitchen.platform.bulletin.models import BulletinKind


class BulletinSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    region_id: int
    date: date
    kind: BulletinKind = Field(description="scheduled: the whole local day; on_demand: that day up to period_end")
    period_start: datetime
    period_end: datetime
    generated_at: datetime


class BulletinPublic(BulletinSummary):
    figures: BulletinFigures
    markdown: str


class BulletinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region_id: int | None = Field(default=None, description="default: the caller's own region")
