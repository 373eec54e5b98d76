"""A week of daily records for the demo schools: a staff roster, a saved schedule, 晨检 / 留样 / 消毒 for every
slot, a few 陪餐, 进货查验 and 农残快检, and a freezer reporting every 5 minutes. The gaps (one lunch without
留样, one day without 晨检, an expired health certificate, a 40-minute freezer breach) become alerts the way
they would in service: the record job step run at each past deadline, and the readings through the ingest path.
Idempotent: a site that already has a saved schedule is taken as seeded."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.jobs.records import run_record_jobs
from brightkitchen.platform.records import kinds
from brightkitchen.platform.records.models import Meal, Record, RecordKind, RecordSchedule, RecordVersion
from brightkitchen.platform.records.schedules import Schedule, Slot, save, slots
from brightkitchen.platform.sensors.ingest import Reading, store
from brightkitchen.platform.sensors.kinds import DEFAULT_RULES, UNITS, SensorKind
from brightkitchen.platform.sensors.models import Sensor
from brightkitchen.platform.sites.models import KitchenArea, Site
from brightkitchen.platform.staff.models import Staff

DAYS = 7  # today and the six days before it
SITE_CODES = ("DEMO-001", "DEMO-002", "DEMO-003")
FREEZER_KEY = "freezer-1"
READING_EVERY = timedelta(minutes=5)
BREACH_LENGTH = timedelta(minutes=40)  # above the rule's 30 minutes: one cold-chain alert, cleared on recovery

# (name, position, days until the health certificate expires, counted from today)
ROSTERS: dict[str, list[tuple[str, str, int]]] = {
    "DEMO-001": [
        ("刘建国", "厨师长", 210),
        ("陈红", "厨师", 160),
        ("赵敏", "面点师", 12),  # expiring within 30 days
        ("孙磊", "帮厨", -5),  # expired: one health_cert_expired alert
        ("周芳", "配餐员", 300),
    ],
    "DEMO-002": [("吴静", "厨师", 240), ("郑丽", "保育员", 95), ("钱伟", "帮厨", 180)],
    "DEMO-003": [("冯强", "厨师长", 330), ("褚燕", "厨师", 150), ("卫东", "分装员", 200), ("蒋萍", "帮厨", 75)],
}
DISHES = [
    ("红烧鸡块", 150), ("清炒西兰花", 130), ("番茄炒蛋", 140), ("米饭", 160), ("紫菜蛋花汤", 180),
    ("土豆炖牛肉", 155), ("蒜蓉油麦菜", 135), ("豆浆", 200), ("鲜肉包子", 145), ("小米粥", 190),
]  # fmt: skip
VISITORS = [("王建华", "校长"), ("陈女士", "家委会代表"), ("李园长", "园长")]


@dataclass(frozen=True)
class RecordsDemo:
    seeded: bool  # False: the district had its records already, nothing was added
    records: int = 0
    readings: int = 0
    alerts: int = 0  # raised by the job step and by the freezer's readings


def seed_records(ctx: PlatformContext, now: datetime, school_days: tuple[int, ...] = (1, 2, 3, 4, 5)) -> RecordsDemo:
    """Seeds the week ending at ``now`` (the sites from ``demo.seed`` must exist); ``school_days`` are ISO
    weekdays (every day for pictures that must not depend on the weekday they are taken on)."""
    tz = ZoneInfo(ctx.settings.timezone)
    today = now.astimezone(tz).date()
    first_day = today - timedelta(days=DAYS - 1)
    with ctx.sessions.begin() as session:
        sites = [session.scalar(select(Site).where(Site.code == code)) for code in SITE_CODES]
        present = [s for s in sites if s is not None]
        if len(present) != len(SITE_CODES) or session.get(RecordSchedule, present[0].id) is not None:
            return RecordsDemo(seeded=False)
        # Saved the evening before the week: every deadline of the week is checked, none before it.
        saved_at = datetime.combine(first_day, time(0, 0), tz) - timedelta(hours=2)
        schedule = Schedule(meals=[Meal.breakfast, Meal.lunch], school_days=list(school_days))
        due: list[Slot] = []
        records = 0
        for n, site in enumerate(present):
            save(session, site.id, schedule, None, saved_at)
            staff = _roster(session, site, today, saved_at)
            past = [d for d in _days(first_day, today) if slots(schedule, d, tz) and d < today]
            gaps = _gaps(site.code, past)
            for day in _days(first_day, today):
                for slot in slots(schedule, day, tz):
                    if slot.due_at > now:
                        continue  # today's still to do: the school fills it in the demo
                    due.append(slot)
                    if (slot.kind, slot.meal, day) not in gaps:
                        _write_slot(session, tz, site, staff, slot, random.Random(f"{site.code}{day}{slot.kind}"))
                        records += 1
            records += _extras(session, tz, site, past, n)
        sensor = _freezer(session, present[0], saved_at)
        readings = _readings(first_day, now, tz)
        before = _alert_count(session)
        store(session, ctx.settings, sensor, readings)
        sensor_alerts = _alert_count(session) - before
    # The job step at each deadline, in order, as the jobs loop would have run it through the week.
    raised = 0
    for at in sorted({s.due_at for s in due}):
        report = run_record_jobs(ctx, at)
        raised += report.missing + report.certificates
    return RecordsDemo(seeded=True, records=records, readings=len(readings), alerts=raised + sensor_alerts)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _gaps(site_code: str, past_school_days: list[date]) -> set[tuple[RecordKind, Meal | None, date]]:
    """DEMO-001 forgot the 留样 of its last school day's lunch; DEMO-002 skipped a morning check earlier on."""
    if len(past_school_days) < 3:
        return set()
    if site_code == "DEMO-001":
        return {(RecordKind.sample_retention, Meal.lunch, past_school_days[-1])}
    if site_code == "DEMO-002":
        return {(RecordKind.morning_check, None, past_school_days[-3])}
    return set()


def _roster(session: Session, site: Site, today: date, at: datetime) -> list[Staff]:
    rows = []
    for i, (name, position, days_left) in enumerate(ROSTERS.get(site.code, [])):
        expires = today + timedelta(days=days_left)
        rows.append(
            Staff(site_id=site.id, name=name, position=position, phone=f"1390000{site.id:02d}{i:02d}",
                  cert_no=f"JKZ-{site.code}-{i + 1:03d}", cert_issued_on=expires - timedelta(days=365),
                  cert_expires_on=expires, active=True, created_at=at, updated_at=at)
        )  # fmt: skip
    session.add_all(rows)
    session.flush()
    return rows


def _record(
    session: Session, tz: ZoneInfo, site: Site, kind: RecordKind, day: date, meal: Meal | None,
    raw: dict[str, Any], at: datetime, by: str,
) -> None:  # fmt: skip
    """A record as the API stores one: data checked by the kind's schema, version 1 kept beside it."""
    kinds.check_meal(kind, meal)
    data = kinds.parse_data(kind, raw, tz).model_dump(mode="json")
    record = Record(site_id=site.id, kind=kind, record_date=day, meal=meal, data=data, photo_ids=[],
                    created_by=None, created_by_name=by, created_at=at, version=1)  # fmt: skip
    session.add(record)
    session.flush()
    session.add(RecordVersion(record_id=record.id, version=1, data=data, photo_ids=[], by=None, by_name=by, at=at,
                              reason=""))  # fmt: skip


def _write_slot(session: Session, tz: ZoneInfo, site: Site, staff: list[Staff], slot: Slot, rng: random.Random) -> None:
    day, due = slot.due_at.date(), slot.due_at
    writer = staff[0].name if staff else "食堂管理员"
    if slot.kind == RecordKind.morning_check:
        entries = [
            {"staff_id": s.id, "temperature_c": round(rng.uniform(36.1, 36.9), 1), "hands_ok": True, "wounds": False,
             "symptoms": [], "passed": True}
            for s in staff
        ]  # fmt: skip
        raw: dict[str, Any] = {"entries": entries, "checked_by": writer}
        _record(session, tz, site, slot.kind, day, None, raw, due - timedelta(hours=1, minutes=20), writer)
    elif slot.kind == RecordKind.sample_retention:
        dishes = [{"name": n, "weight_g": g + rng.randint(0, 30)} for n, g in rng.sample(DISHES, rng.randint(2, 4))]
        stored = due - timedelta(minutes=90)
        raw = {"dishes": dishes, "stored_at": stored.isoformat(), "storage_place": "留样专用冰箱", "kept_by": writer}
        _record(session, tz, site, slot.kind, day, slot.meal, raw, stored + timedelta(minutes=5), writer)
    elif slot.kind == RecordKind.disinfection:
        start = due - timedelta(minutes=75)
        end = start + timedelta(minutes=30)
        raw = {"method": "cabinet", "started_at": start.isoformat(), "ended_at": end.isoformat(),
               "temperature_c": 120, "operator": writer}  # fmt: skip
        _record(session, tz, site, slot.kind, day, slot.meal, raw, start + timedelta(minutes=35), writer)


def _extras(session: Session, tz: ZoneInfo, site: Site, past_school_days: list[date], n: int) -> int:
    """A few records nobody expects each day: 陪餐 on two days, 进货查验 and 农残快检 on one."""
    count = 0
    for i, day in enumerate(past_school_days[-4::2]):
        person, position = VISITORS[(i + n) % len(VISITORS)]
        at = datetime.combine(day, time(12, 40), tz)
        _record(session, tz, site, RecordKind.accompanied_meal, day, Meal.lunch,
                {"person": person, "position": position, "remarks": "饭菜温度适宜, 口味清淡"}, at, person)  # fmt: skip
        count += 1
    if past_school_days:
        day = past_school_days[0]
        at = datetime.combine(day, time(7, 30), tz)
        goods = {"supplier": "鑫源食品配送有限公司", "licence_no": "JY13201000000" + str(n + 1),
                 "licence_expires_on": (day + timedelta(days=400)).isoformat(), "operator": "食堂管理员",
                 "goods": [{"name": "鸡腿肉", "quantity": 20, "unit": "kg"}, {"name": "西兰花", "quantity": 15,
                           "unit": "kg"}, {"name": "鸡蛋", "quantity": 300, "unit": "个"}]}  # fmt: skip
        _record(session, tz, site, RecordKind.incoming_goods, day, None, goods, at, "食堂管理员")
        test = {"sample": "西兰花", "method": "酶抑制率法", "result": "pass", "value": 12.5, "operator": "食堂管理员"}
        _record(session, tz, site, RecordKind.pesticide_test, day, None, test, at + timedelta(minutes=20), "食堂管理员")
        count += 2
    return count


def _freezer(session: Session, site: Site, at: datetime) -> Sensor:
    rule = DEFAULT_RULES[SensorKind.freezer]
    assert rule is not None
    area = session.scalar(select(KitchenArea.id).where(KitchenArea.site_id == site.id).order_by(KitchenArea.id))
    sensor = Sensor(site_id=site.id, area_id=area, key=FREEZER_KEY, name="冷冻柜-1", kind=SensorKind.freezer,
                    unit=UNITS[SensorKind.freezer], rule_op=rule.op, rule_threshold=rule.threshold,
                    rule_duration_s=rule.duration_s, enabled=True, created_at=at)  # fmt: skip
    session.add(sensor)
    session.flush()
    return sensor


def _readings(first_day: date, now: datetime, tz: ZoneInfo) -> list[Reading]:
    """-18 °C with a slow swing; two nights before today the door was left ajar for 40 minutes at 02:00."""
    start = datetime.combine(first_day, time(0, 0), tz)
    breach_from = datetime.combine(now.astimezone(tz).date() - timedelta(days=2), time(2, 0), tz)
    out = []
    at = start
    while at <= now:
        minutes = (at - start).total_seconds() / 60
        value = -18.0 + 0.8 * math.sin(minutes / 90)
        if breach_from <= at < breach_from + BREACH_LENGTH:
            value = -9.5 + 0.1 * ((at - breach_from).total_seconds() / 300)
        out.append(Reading(round(value, 2), at.astimezone(UTC)))
        at += READING_EVERY
    return out


def _alert_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Alert)) or 0)
