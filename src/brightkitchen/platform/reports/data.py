"""Everything a region report shows, gathered once and handed to the Excel and PDF writers.

Definitions (also in docs/rollout.md): violations are real (test=false) alerts other than camera_fault,
created in the period; rates count their state as of the period's end (or now, for a running period).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertState
from brightkitchen.platform.alerts.rollups import hours_between
from brightkitchen.platform.health.online import online_seconds
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.reports.online import SiteOnline, online_rates, overall
from brightkitchen.platform.reports.periods import Period
from brightkitchen.platform.reports.records_section import RecordsSection, gather_records
from brightkitchen.platform.rollout.models import RolloutStatus
from brightkitchen.platform.rollout.service import status_at
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.stats import ranking as rk
from brightkitchen.platform.stats.counts import daily_counts
from brightkitchen.platform.stats.figures import expected_seconds
from brightkitchen.protocol.codes import VIOLATION_NAMES_ZH, ViolationCode


def ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class SiteRow:
    site_id: int
    code: str
    name: str
    street: str
    total: int = 0  # violations, false positives included
    false_positive: int = 0
    closed: int = 0
    on_time: int = 0
    overdue: int = 0  # overdue at the period's end, whenever raised
    escalated: int = 0
    close_timed: int = 0  # closed ones with their closing time, and their hours from receipt to close
    close_hours: float = 0.0
    online: SiteOnline = field(default_factory=SiteOnline)
    online_s: int = 0  # seconds watched in the period (health.online), what the ranking's rule uses
    expected_s: int = 0

    @property
    def figures(self) -> rk.SiteFigures:
        return rk.SiteFigures(
            site_id=self.site_id, name=self.name, alerts=self.alerts, closed=self.closed, overdue=self.overdue,
            escalated=self.escalated, online_s=self.online_s, expected_s=self.expected_s,
        )  # fmt: skip

    @property
    def alerts(self) -> int:
        return self.total - self.false_positive

    @property
    def rectification_rate(self) -> float | None:
        return ratio(self.closed, self.alerts)

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.on_time, self.closed)

    @property
    def mean_hours_to_close(self) -> float | None:
        return self.close_hours / self.close_timed if self.close_timed else None


@dataclass(frozen=True)
class OverdueRow:
    alert_id: int
    site_code: str
    site_name: str
    code: str
    code_name: str
    state: str
    created_at: datetime
    deadline_at: datetime
    hours_overdue: float


@dataclass(frozen=True)
class RankRow:
    rank: int
    site: SiteRow
    score: float


@dataclass
class ReportData:
    region_name: str
    region_code: str
    period: Period
    generated_at: datetime
    as_of: datetime
    sites: list[SiteRow]
    by_type: list[tuple[str, str, int, int]]  # code, 中文, violations, of which false positives
    trend: list[tuple[date, int]]
    overdue: list[OverdueRow]
    ranking: list[RankRow]
    unmonitored: list[SiteRow]  # watched too little to be ranked (未在线监测)
    min_online_share: float
    accepted: int
    edge_online_rate: float | None
    camera_online_rate: float | None
    records: RecordsSection  # 台账与证照

    @property
    def totals(self) -> SiteRow:
        t = SiteRow(0, "", "合计", "")
        for s in self.sites:
            for name in ("total", "false_positive", "closed", "on_time", "overdue", "escalated", "close_timed"):
                setattr(t, name, getattr(t, name) + getattr(s, name))
            t.close_hours += s.close_hours
        return t

    @property
    def coverage(self) -> float | None:
        return ratio(self.accepted, len(self.sites))


def answered_by(at: datetime) -> ColumnElement[bool]:
    """Answered (submitted, closed or marked false positive) before ``at``; a rejected submission that went
    back to rectifying is not an answer. For ``at`` = now this is the platform's own overdue flag."""
    # The IS NOT NULL tests keep this two-valued: NOT (NULL < at) would drop unanswered rows.
    return or_(
        and_(Alert.closed_at.is_not(None), Alert.closed_at < at),
        and_(
            Alert.submitted_at.is_not(None),
            Alert.submitted_at < at,
            Alert.state.in_((AlertState.submitted, AlertState.closed)),
        ),
    )


def open_at(at: datetime) -> ColumnElement[bool]:
    """Not closed before ``at``: implied by ``~answered_by(at)``, and said alone so that the database reads
    the few alerts open or closed since ``at`` through ``ix_alerts_closed_at`` instead of every earlier one."""
    return or_(Alert.closed_at.is_(None), Alert.closed_at >= at)


def gather(
    session: Session, region: Region, period: Period, now: datetime, min_online_share: float = 0.8
) -> ReportData:
    as_of = min(period.end, now)
    sites = session.execute(
        select(Site.id, Site.code, Site.name, Region.name, Site.created_at)
        .join(Region, Region.id == Site.region_id)
        .where(Region.path.startswith(region.path, autoescape=True))
        .order_by(Site.code)
    ).all()
    rows = {sid: SiteRow(sid, code, name, street) for sid, code, name, street, _ in sites}
    ids = list(rows)
    watched = online_seconds(session, ids, period.start, as_of)
    for sid, *_, created_at in sites:
        rows[sid].online_s = watched[sid]
        rows[sid].expected_s = expected_seconds(created_at, period.start, as_of)
    real = and_(Alert.site_id.in_(ids), Alert.test.is_(False))
    types: Counter[str] = Counter()
    fps: Counter[str] = Counter()
    per_day: Counter[date] = Counter()
    # Violations of the period: the daily rollups (whole days) and the raw alerts of its partial days.
    for d in daily_counts(session, period.timezone, ids, period.start, as_of):
        if d.code == ViolationCode.camera_fault:
            continue
        row = rows[d.site_id]
        row.total += d.created
        types[d.code] += d.created
        row.false_positive += d.false_positive
        fps[d.code] += d.false_positive
        per_day[d.day] += d.created - d.false_positive
        row.closed += d.close_timed
        row.on_time += d.closed_on_time
        row.close_timed += d.close_timed
        row.close_hours += d.close_hours
    _not_closed_by(session, real, rows, period.start, as_of)
    for (site_id,) in session.execute(
        select(Alert.site_id).where(real, Alert.escalated_at >= period.start, Alert.escalated_at < as_of)
    ):
        rows[site_id].escalated += 1
    overdue = _overdue(session, real, rows, as_of)
    for site_id, online in online_rates(session, ids, period.start, as_of).items():
        rows[site_id].online = online
    edge_rate, camera_rate = overall({sid: r.online for sid, r in rows.items()})
    statuses = status_at(session, ids, as_of)
    ranked, unwatched = _ranking(rows, min_online_share)
    return ReportData(
        region_name=region.name,
        region_code=region.code,
        period=period,
        generated_at=now,
        as_of=as_of,
        sites=list(rows.values()),
        by_type=[(c, VIOLATION_NAMES_ZH.get(ViolationCode(c), c), n, fps[c]) for c, n in _by_type(types, fps)],
        trend=[(d, per_day[d]) for d in period.days],
        overdue=overdue,
        ranking=ranked,
        unmonitored=[rows[f.site_id] for f in unwatched],
        min_online_share=min_online_share,
        accepted=sum(1 for s in statuses.values() if s == RolloutStatus.accepted),
        edge_online_rate=edge_rate,
        camera_online_rate=camera_rate,
        records=gather_records(session, region, period, as_of),
    )


def _not_closed_by(
    session: Session, real: ColumnElement[bool], rows: dict[int, SiteRow], start: datetime, as_of: datetime
) -> None:
    """The rollups hold states as they are now: takes back the period's alerts closed at or after ``as_of``
    (or with no closing time), which were not closed by then."""
    hours = hours_between(session.get_bind().dialect.name, Alert.created_at, Alert.closed_at)
    timed = Alert.closed_at.is_not(None)
    on_time = and_(Alert.submitted_at.is_not(None), Alert.submitted_at <= Alert.deadline_at)
    for site_id, n_timed, sum_hours, n_on_time in session.execute(
        select(
            Alert.site_id,
            func.coalesce(func.sum(case((timed, 1), else_=0)), 0),
            func.coalesce(func.sum(case((timed, hours), else_=0.0)), 0.0),
            func.coalesce(func.sum(case((on_time, 1), else_=0)), 0),
        )
        .where(real, Alert.code != ViolationCode.camera_fault, Alert.created_at >= start, Alert.created_at < as_of)
        .where(Alert.state == AlertState.closed, open_at(as_of))
        .group_by(Alert.site_id)
    ):
        row = rows[site_id]
        row.closed -= int(n_timed)
        row.close_timed -= int(n_timed)
        row.close_hours -= float(sum_hours)
        row.on_time -= int(n_on_time)


def _by_type(types: Counter[str], fps: Counter[str]) -> list[tuple[str, int]]:
    """Most valid alerts first, then most alerts, then by code: a stable order for people and tests."""
    return sorted(types.items(), key=lambda kv: (-(kv[1] - fps[kv[0]]), -kv[1], kv[0]))


def _overdue(
    session: Session, real: ColumnElement[bool], rows: dict[int, SiteRow], as_of: datetime
) -> list[OverdueRow]:
    out = []
    for a in session.execute(
        select(Alert.id, Alert.site_id, Alert.code, Alert.state, Alert.created_at, Alert.deadline_at)
        .where(real, Alert.created_at < as_of, Alert.deadline_at < as_of, ~answered_by(as_of), open_at(as_of))
        .order_by(Alert.deadline_at, Alert.id)
    ):
        row = rows[a.site_id]
        row.overdue += 1
        name = VIOLATION_NAMES_ZH.get(ViolationCode(a.code), a.code)
        hours = round((as_of - a.deadline_at).total_seconds() / 3600, 1)
        out.append(OverdueRow(a.id, row.code, row.name, a.code, name, a.state, a.created_at, a.deadline_at, hours))
    return out


def _ranking(rows: dict[int, SiteRow], min_share: float) -> tuple[list[RankRow], list[rk.SiteFigures]]:
    """The platform's ranking rule (stats.ranking) over this period's figures: the page's rule exactly."""
    ranked, unwatched = rk.rank((r.figures for r in rows.values()), min_share)
    return [RankRow(r.rank, rows[r.site.site_id], r.score) for r in ranked], unwatched
