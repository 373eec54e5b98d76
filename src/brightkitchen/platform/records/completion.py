"""台账完成率: for each site in scope, how many of the records its schedule expected over a date range were
made. Expected: one morning check per school day, one sample and one disinfection per meal per school day;
the other kinds are counted but expected of nobody (their rate is null)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.records.models import Record, RecordKind, RecordSchedule
from brightkitchen.platform.records.schedules import EXPECTED_KINDS, Schedule, is_school_day, of_row
from brightkitchen.platform.records.schemas import Completion, Rate, SiteCompletion
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.sites.models import Site

MAX_DAYS = 366


def _rate(done: int, expected: int) -> Rate:
    return Rate(done=done, expected=expected, rate=round(done / expected, 4) if expected else None)


def _expected_slots(schedule: Schedule, days: list[date]) -> dict[str, set[tuple[date, str | None]]]:
    out: dict[str, set[tuple[date, str | None]]] = {k.value: set() for k in EXPECTED_KINDS}
    for day in days:
        if not is_school_day(schedule, day):
            continue
        out[RecordKind.morning_check.value].add((day, None))
        for meal in schedule.meals:
            out[RecordKind.sample_retention.value].add((day, meal.value))
            out[RecordKind.disinfection.value].add((day, meal.value))
    return out


def completion(session: Session, site_filter: Any, date_from: date, date_to: date) -> Completion:
    """``site_filter`` is a WHERE clause on Site (scope, region, street) built by the caller."""
    days = [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    sites = session.execute(
        select(Site.id, Site.name, Region.name).join(Region, Region.id == Site.region_id).where(site_filter)
        .order_by(Site.id)
    ).all()  # fmt: skip
    ids = [s[0] for s in sites]
    schedules = {r.site_id: of_row(r) for r in session.scalars(select(RecordSchedule).where(
        RecordSchedule.site_id.in_(ids)))}  # fmt: skip
    made: dict[int, dict[str, set[tuple[date, str | None]]]] = defaultdict(lambda: defaultdict(set))
    counted: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = session.execute(
        select(Record.site_id, Record.kind, Record.record_date, Record.meal, func.count())
        .where(Record.site_id.in_(ids), Record.record_date >= date_from, Record.record_date <= date_to)
        .group_by(Record.site_id, Record.kind, Record.record_date, Record.meal)
    )
    for site_id, kind, day, meal, n in rows:
        made[site_id][kind].add((day, meal))
        counted[site_id][kind] += n
    totals: dict[str, list[int]] = {k.value: [0, 0] for k in RecordKind}
    out: list[SiteCompletion] = []
    for site_id, name, street in sites:
        expected = _expected_slots(schedules.get(site_id, Schedule()), days)
        by_kind: dict[str, Rate] = {}
        for kind in RecordKind:
            if kind.value in expected:
                slots = expected[kind.value]
                by_kind[kind.value] = _rate(len(slots & made[site_id][kind.value]), len(slots))
            else:
                by_kind[kind.value] = _rate(counted[site_id][kind.value], 0)
            totals[kind.value][0] += by_kind[kind.value].done
            totals[kind.value][1] += by_kind[kind.value].expected
        done = sum(by_kind[k.value].done for k in EXPECTED_KINDS)
        want = sum(by_kind[k.value].expected for k in EXPECTED_KINDS)
        out.append(SiteCompletion(site_id=site_id, site_name=name, street=street, by_kind=by_kind,
                                  rate=_rate(done, want).rate))  # fmt: skip
    return Completion(days=len(days), sites=out, by_kind={k: _rate(d, e) for k, (d, e) in totals.items()})
