"""The school home's "today": each slot the schedule expects today, its deadline and whether it is done."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.records.models import Meal, Record
from brightkitchen.platform.records.schedules import load, slots
from brightkitchen.platform.records.schemas import TodayItem


def today_items(session: Session, site_id: int, tz: ZoneInfo, now: datetime) -> list[TodayItem]:
    day = now.astimezone(tz).date()
    first: dict[tuple[str, str | None], int] = {}
    for record_id, kind, meal in session.execute(
        select(Record.id, Record.kind, Record.meal)
        .where(Record.site_id == site_id, Record.record_date == day)
        .order_by(Record.id)
    ):
        first.setdefault((kind, meal), record_id)
    items = []
    for slot in slots(load(session, site_id), day, tz):
        found = first.get((slot.kind.value, slot.meal.value if isinstance(slot.meal, Meal) else None))
        items.append(TodayItem(kind=slot.kind, meal=slot.meal, due_at=slot.due_at, done=found is not None,
                               record_id=found))  # fmt: skip
    return items
