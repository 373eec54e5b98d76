"""The demo's week of records: seeded on a real database, its gaps raised as alerts by the real job step and
the freezer's readings, quick, and not doubled by a second run."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from brightkitchen.demo.records_seed import seed_records
from brightkitchen.demo.seed import seed
from brightkitchen.platform.alerts.models import Alert, AlertState
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.records.completion import completion
from brightkitchen.platform.records.models import Record, RecordKind
from brightkitchen.platform.sensors.models import Sensor, SensorReading
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.staff.models import Staff
from brightkitchen.platform.staff.schemas import CertState
from brightkitchen.platform.staff.service import cert_state

# A Wednesday afternoon: the week is Thu 19 .. Wed 25 November, school days 19, 20, 23, 24 and today.
NOW = datetime(2026, 11, 25, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _counts(ctx: PlatformContext) -> tuple[int, int, int, int]:
    with ctx.sessions() as s:
        return (
            int(s.scalar(select(func.count()).select_from(Record)) or 0),
            int(s.scalar(select(func.count()).select_from(Alert)) or 0),
            int(s.scalar(select(func.count()).select_from(Staff)) or 0),
            int(s.scalar(select(func.count()).select_from(SensorReading)) or 0),
        )


def test_demo_week_of_records_raises_its_gaps(ctx: PlatformContext) -> None:
    with ctx.sessions.begin() as session:
        seed(session)
    started = time.monotonic()
    report = seed_records(ctx, NOW)
    took = time.monotonic() - started
    assert took < 5.0, f"seeding the week took {took:.1f} s"
    assert report.seeded
    # Per site: 5 school days x 5 slots, plus 2 陪餐, 1 进货查验, 1 农残快检; two of the three sites have a gap.
    assert report.records == 3 * (25 + 4) - 2
    assert report.readings == 6 * 288 + 16 * 12 + 1  # every 5 minutes from Thursday 00:00 to now
    assert report.alerts == 4

    with ctx.sessions() as s:
        sites = {site.code: site.id for site in s.scalars(select(Site))}
        alerts = s.scalars(select(Alert).order_by(Alert.id)).all()
        assert Counter((a.code, a.site_id) for a in alerts) == Counter(
            {
                ("sample_missing", sites["DEMO-001"]): 1,
                ("morning_check_missing", sites["DEMO-002"]): 1,
                ("health_cert_expired", sites["DEMO-001"]): 1,
                ("cold_chain_temperature", sites["DEMO-001"]): 1,
            }
        )
        by_code = {a.code: a for a in alerts}
        sample = by_code["sample_missing"]
        assert "2026-11-24 午餐留样" in sample.detail
        assert sample.started_at == datetime(2026, 11, 24, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        assert "2026-11-20" in by_code["morning_check_missing"].detail
        assert "孙磊" in by_code["health_cert_expired"].detail
        cold = by_code["cold_chain_temperature"]
        # Raised after 30 minutes above -12 °C, cleared when the freezer came back: the breach lasted 40.
        assert cold.state == AlertState.closed and cold.open_fault_key is None
        assert cold.camera_id is None
        sensor = s.scalars(select(Sensor)).one()
        assert not sensor.breach and sensor.last_value is not None and sensor.last_value < -12

        states = Counter(cert_state(st.cert_expires_on, date(2026, 11, 25))[0] for st in s.scalars(select(Staff)))
        assert states[CertState.expired] == 1 and states[CertState.expiring] == 1

        week = completion(s, Site.code.like("DEMO-%"), date(2026, 11, 19), date(2026, 11, 25))
        rates = {site.site_name: site.by_kind for site in week.sites}
        assert rates["示范区实验小学"][RecordKind.sample_retention].done == 9
        assert rates["示范区实验小学"][RecordKind.sample_retention].expected == 10
        assert rates["示范区第一幼儿园"][RecordKind.morning_check].done == 4
        assert rates["示范区第一幼儿园"][RecordKind.morning_check].expected == 5
        assert week.sites[0].rate is not None and all(site.rate for site in week.sites)
        assert rates["鑫源学生配餐中心"][RecordKind.disinfection].done == 10
        samples = s.scalars(select(Record).where(Record.kind == RecordKind.sample_retention)).all()
        assert all(2 <= len(r.data["dishes"]) <= 4 for r in samples)
        assert all(d["weight_g"] >= 125 for r in samples for d in r.data["dishes"])


def test_demo_records_seed_twice_adds_nothing(ctx: PlatformContext) -> None:
    with ctx.sessions.begin() as session:
        seed(session)
    assert seed_records(ctx, NOW).seeded
    before = _counts(ctx)
    again = seed_records(ctx, NOW)
    assert not again.seeded
    assert _counts(ctx) == before
