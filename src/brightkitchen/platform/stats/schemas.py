from __future__ import annotations

from datetime import date

from pydantic import BaseModel


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
    rectification_rate: float
    camera_online_rate: float


class RankingPublic(BaseModel):
    days: int
    formula: str
    items: list[RankingItem]
