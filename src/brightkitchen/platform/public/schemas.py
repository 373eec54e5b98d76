from __future__ import annotations

from datetime import datetime, time

from pydantic import BaseModel, Field

from brightkitchen.platform.sites.models import SiteKind


class PublicCamera(BaseModel):
    """A camera the site made public: its name and whether it is working. Never a stream address."""

    id: int = Field(description="to ask for its live view (POST .../cameras/{id}/live)")
    name: str
    area: str | None
    status: str
    last_seen_at: datetime | None
    latest_picture_at: datetime | None = None
    latest_picture_url: str | None = Field(default=None, description="short-lived signed link to the latest picture")


class MonthRecord(BaseModel):
    """One month of the site's rectification record (local time of the district)."""

    month: str = Field(examples=["2026-11"])
    alerts: int = Field(description="violations found (false positives left out)")
    rectified: int = Field(description="of those, rectified and approved by the regulator")
    open: int = Field(description="of those, still being handled")


class PublicSite(BaseModel):
    code: str
    name: str
    kind: SiteKind
    address: str
    cameras: list[PublicCamera]
    public_video_from: time = Field(description="live viewing opens (local time); equal to until: all day")
    public_video_until: time
    months: list[MonthRecord] = Field(description="the last months, oldest first, zero-filled")
    generated_at: datetime
