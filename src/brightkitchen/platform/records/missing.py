"""The missing-record check for the jobs loop: at each deadline of a scheduled school day (local time), a
slot with no record raises morning_check_missing / sample_missing / disinfection_missing once. Only sites
that saved a schedule are checked, and only deadlines after it was saved: a site is never blamed for days
before it set up its records. A record made later does not withdraw the alert; the school rectifies it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.records.alerting import raise_once
from brightkitchen.platform.records.models import Record, RecordKind, RecordSchedule
from brightkitchen.platform.records.schedules import Slot, of_row, slots
from brightkitchen.platform.settings import Settings
from brightkitchen.protocol.codes import ViolationCode

CODES = {
    RecordKind.morning_check: ViolationCode.morning_check_missing,
    RecordKind.sample_retention: ViolationCode.sample_missing,
    RecordKind.disinfection: ViolationCode.disinfection_missing,
}
NAMES = {RecordKind.morning_check: "晨检", RecordKind.sample_retention: "留样", RecordKind.disinfection: "消毒"}
MEAL_NAMES = {"breakfast": "早餐", "lunch": "午餐", "dinner": "晚餐"}
LOOKBACK_DAYS = 1  # yesterday too: a pass missed around midnight (a restart) still raises yesterday's


def event_id(site_id: int, slot: Slot) -> str:
    return f"rec-{site_id}-{slot.kind.value}-{slot.due_at.date().isoformat()}-{slot.meal or 'day'}"


def _detail(slot: Slot) -> str:
    meal = MEAL_NAMES[slot.meal] if slot.meal else ""
    return f"{slot.due_at:%Y-%m-%d} {meal}{NAMES[slot.kind]}记录未在 {slot.due_at:%H:%M} 前完成"


def check_missing(session: Session, settings: Settings, now: datetime) -> int:
    """Raises the alerts for every deadline passed by ``now``; returns how many were raised by this call."""
    tz = ZoneInfo(settings.timezone)
    today = now.astimezone(tz).date()
    days = [today - timedelta(days=n) for n in range(LOOKBACK_DAYS, -1, -1)]
    due: list[tuple[int, Slot]] = []
    for row in session.scalars(select(RecordSchedule)):
        schedule = of_row(row)
        due += [(row.site_id, s) for d in days for s in slots(schedule, d, tz) if row.created_at <= s.due_at <= now]
    if not due:
        return 0
    raised = set(session.scalars(select(Alert.event_id).where(Alert.event_id.in_({event_id(i, s) for i, s in due}))))
    done = {
        (site_id, kind, day, meal)
        for site_id, kind, day, meal in session.execute(
            select(Record.site_id, Record.kind, Record.record_date, Record.meal).where(
                Record.site_id.in_({i for i, _ in due}), Record.record_date.in_(days), Record.kind.in_(list(CODES))
            )
        )
    }
    count = 0
    for site_id, slot in due:
        eid = event_id(site_id, slot)
        meal = slot.meal.value if slot.meal else None
        if eid in raised or (site_id, slot.kind.value, slot.due_at.date(), meal) in done:
            continue
        alert = raise_once(session, settings, site_id=site_id, code=CODES[slot.kind], event_id=eid,
                           detail=_detail(slot), now=now, at=slot.due_at)  # fmt: skip
        count += alert is not None
    return count
