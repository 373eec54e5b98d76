from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class TrendPoint(BaseModel):
    date: date
    count: int


class AttentionItem(BaseModel):
    site_id: int
    site_name: str
    open: int
    overdue: int
    escalated: int
    devices_offline: int
    cameras_offline: int


class OverviewPublic(BaseModel):
    sites: int
    sites_online: int
    cameras: int
    cameras_online: int
    online_rate: float
    alerts_today_by_code: dict[str, int]
    open: int
    overdue: int
    rectification_rate: float
    on_time_rate: float
    mean_time_to_rectify_h: float | None
    false_positive_rate: float
    trend: list[TrendPoint]
    attention: list[AttentionItem]


class RankingItem(BaseModel):
    rank: int
    site_id: int
    site_name: str
    score: float
    alerts: int
    overdue: int
    escalated: int
    rectification_rate: float | None = Field(description="closed / valid alerts; null when there were none")
    online_hours: float
    online_share: float = Field(description="online hours / the period's hours (the site's part of it)")


class UnmonitoredItem(BaseModel):
    """A site watched for too few of the period's hours to be ranked (未在线监测)."""

    site_id: int
    site_name: str
    online_hours: float
    expected_hours: float
    online_share: float
    alerts: int


class RankingPublic(BaseModel):
    days: int
    since: datetime
    until: datetime
    min_online_share: float
    formula: str = Field(description="the rule, in Chinese, as the page shows it")
    items: list[RankingItem]
    unmonitored: list[UnmonitoredItem]


class SiteStatsItem(BaseModel):
    site_id: int
    code: str
    name: str
    kind: str
    region_name: str
    alerts: int
    overdue: int
    rectification_rate: float | None
    online_hours: float
    online_share: float
    monitored: bool = Field(description="watched for enough of the window to be ranked")
    online_now: bool = Field(description="an edge device of the site is heard from now")
