from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from brightkitchen.platform.bulletin.figures import BulletinFigures


class BulletinSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    region_id: int
    date: date
    generated_at: datetime


class BulletinPublic(BulletinSummary):
    figures: BulletinFigures
    markdown: str
