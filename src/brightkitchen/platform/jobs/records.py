"""The daily-record time-based work for the jobs loop: missing-record alerts at each deadline and expired
health certificates. Each alert has a stable event id, so with several processes it is raised once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.records.missing import check_missing
from brightkitchen.platform.staff.certs import check_expired


@dataclass
class RecordJobReport:
    missing: int = 0
    certificates: int = 0


def run_record_jobs(ctx: PlatformContext, now: datetime) -> RecordJobReport:
    report = RecordJobReport()
    with ctx.sessions.begin() as session:
        report.missing = check_missing(session, ctx.settings, now)
    with ctx.sessions.begin() as session:
        report.certificates = check_expired(session, ctx.settings, now)
    return report
