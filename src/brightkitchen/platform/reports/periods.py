"""Report periods in the district's local time: a day, an ISO week (Monday to Sunday), a calendar month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class PeriodKind(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


NAMES_ZH = {PeriodKind.daily: "日报", PeriodKind.weekly: "周报", PeriodKind.monthly: "月报"}


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    first: date  # local, inclusive
    last: date  # local, inclusive
    timezone: str

    def _utc(self, day: date) -> datetime:
        return datetime.combine(day, time(0), ZoneInfo(self.timezone)).astimezone(UTC)

    @property
    def start(self) -> datetime:
        return self._utc(self.first)

    @property
    def end(self) -> datetime:
        return self._utc(self.last + timedelta(days=1))

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.daily:
            return f"{self.first.year}年{self.first.month}月{self.first.day}日"
        if self.kind is PeriodKind.weekly:
            year, week, _ = self.first.isocalendar()
            return f"{year}年第{week}周（{self.first.month}月{self.first.day}日—{self.last.month}月{self.last.day}日）"
        return f"{self.first.year}年{self.first.month}月"

    @property
    def title(self) -> str:
        return f"{self.label} {NAMES_ZH[self.kind]}"

    @property
    def slug_zh(self) -> str:
        """The period for a file name, with the same dates as the page: 2026-11-23 or 2026-11-23至2026-11-29."""
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()}至{self.last.isoformat()}"

    @property
    def slug(self) -> str:
        return f"{self.kind.value}-{self.first.isoformat()}"


def period_of(kind: PeriodKind, day: date, timezone: str) -> Period:
    if kind is PeriodKind.daily:
        return Period(kind, day, day, timezone)
    if kind is PeriodKind.weekly:
        monday = day - timedelta(days=day.weekday())
        return Period(kind, monday, monday + timedelta(days=6), timezone)
    first = day.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    return Period(kind, first, next_month - timedelta(days=1), timezone)
