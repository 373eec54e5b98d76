"""The report's "台账与证照" section: 台账完成率 (records.completion), health certificates expired or expiring at
the period's end (staff.service.cert_state) and sensor breach alerts raised in the period, for the region."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.records.completion import completion
from brightkitchen.platform.records.models import RecordKind
from brightkitchen.platform.records.schedules import EXPECTED_KINDS
from brightkitchen.platform.records.schemas import Rate, SiteCompletion
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.reports.periods import Period
from brightkitchen.platform.sensors.kinds import ALERT_CODES
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.staff.models import Staff
from brightkitchen.platform.staff.schemas import CertState
from brightkitchen.platform.staff.service import EXPIRING_DAYS, cert_state
from brightkitchen.protocol.codes import VIOLATION_NAMES_ZH, ViolationCode

LOWEST_SITES = 10
KIND_NAMES_ZH: dict[str, str] = {
    RecordKind.morning_check.value: "晨检",
    RecordKind.sample_retention.value: "留样",
    RecordKind.disinfection.value: "消毒",
}
CERT_STATES_ZH = {CertState.expired: "已过期", CertState.expiring: "即将到期"}
BREACH_CODES = sorted(set(ALERT_CODES.values()))


@dataclass(frozen=True)
class CertRow:
    site_name: str
    street: str
    name: str
    position: str
    cert_no: str
    expires_on: date
    state: CertState
    days_left: int


@dataclass(frozen=True)
class RecordsSection:
    date_from: date
    date_to: date  # the last day counted: the period's last day, or today for a running period
    rate: float | None  # done / expected over the three expected kinds, every site together
    by_kind: dict[str, Rate]  # the expected kinds only, in EXPECTED_KINDS order
    lowest: list[SiteCompletion]  # the sites with the lowest rate (those expected nothing are left out)
    certs: list[CertRow]  # soonest expiry first
    breaches: list[tuple[str, str, int]]  # code, 中文, alerts raised in the period

    @property
    def expired(self) -> int:
        return sum(1 for c in self.certs if c.state is CertState.expired)

    @property
    def expiring(self) -> int:
        return sum(1 for c in self.certs if c.state is CertState.expiring)


def gather_records(session: Session, region: Region, period: Period, as_of: datetime) -> RecordsSection:
    in_region = Region.path.startswith(region.path, autoescape=True)
    # as_of is the period's end (midnight after its last day) or now, inside it.
    date_to = min(period.last, (as_of - timedelta(microseconds=1)).astimezone(ZoneInfo(period.timezone)).date())
    result = completion(session, in_region, period.first, date_to)
    by_kind = {k.value: result.by_kind[k.value] for k in EXPECTED_KINDS}
    done, expected = sum(r.done for r in by_kind.values()), sum(r.expected for r in by_kind.values())
    ranked = sorted((s for s in result.sites if s.rate is not None), key=lambda s: (s.rate, s.site_name, s.site_id))
    return RecordsSection(
        date_from=period.first,
        date_to=date_to,
        rate=round(done / expected, 4) if expected else None,
        by_kind=by_kind,
        lowest=ranked[:LOWEST_SITES],
        certs=_certs(session, in_region, date_to),
        breaches=_breaches(session, in_region, period.start, as_of),
    )


def _certs(session: Session, in_region: ColumnElement[bool], day: date) -> list[CertRow]:
    rows = session.execute(
        select(Staff, Site.name, Region.name)
        .join(Site, Site.id == Staff.site_id)
        .join(Region, Region.id == Site.region_id)
        .where(in_region, Staff.active.is_(True), Staff.cert_expires_on <= day + timedelta(days=EXPIRING_DAYS))
        .order_by(Staff.cert_expires_on, Staff.id)
    ).all()
    out = []
    for staff, site_name, street in rows:
        state, left = cert_state(staff.cert_expires_on, day)
        out.append(CertRow(site_name, street, staff.name, staff.position, staff.cert_no, staff.cert_expires_on,
                           state, left))  # fmt: skip
    return out


def _breaches(
    session: Session, in_region: ColumnElement[bool], start: datetime, end: datetime
) -> list[tuple[str, str, int]]:
    codes: Counter[str] = Counter(
        session.scalars(
            select(Alert.code)
            .join(Site, Site.id == Alert.site_id)
            .join(Region, Region.id == Site.region_id)
            .where(in_region, Alert.test.is_(False), Alert.code.in_(BREACH_CODES),
                   Alert.created_at >= start, Alert.created_at < end)
        )
    )  # fmt: skip
    return [(c.value, VIOLATION_NAMES_ZH.get(ViolationCode(c), c.value), codes[c.value]) for c in BREACH_CODES]
