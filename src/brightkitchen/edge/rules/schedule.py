"""The site's working hours in its own time zone."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo


class WorkingSchedule:
    """Working hours ``start``..``end`` local time; an end before the start spans midnight."""

    def __init__(self, start: time, end: time, timezone: str) -> None:
        self.start, self.end, self.tz = start, end, ZoneInfo(timezone)

    def is_working(self, t: float) -> bool:
        now = datetime.fromtimestamp(t, self.tz).time()
        if self.start <= self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end
