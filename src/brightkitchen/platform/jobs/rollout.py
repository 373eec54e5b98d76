"""The roll-out's time-based work, for the jobs loop: re-evaluate every site now and then (so a regression
is recorded when it happens, not when someone looks), then, once it is time in the region's day, make the
bulletins of the previous day (the on-demand ones are made by the API). It lives
in jobs, not rollout, so that rollout and bulletin do not import each other (the bulletin reads roll-out
status; this step drives both)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from brightkitchen.platform.bulletin.service import run_bulletin_if_due
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.rollout.service import refresh_if_due


@dataclass
class RolloutJobReport:
    evaluated: int = 0
    bulletins: list[int] = field(default_factory=list)


def run_rollout_jobs(ctx: PlatformContext, now: datetime) -> RolloutJobReport:
    report = RolloutJobReport()
    with ctx.sessions.begin() as session:
        report.evaluated = refresh_if_due(session, ctx.settings, now)
    report.bulletins = run_bulletin_if_due(ctx, now)
    return report
