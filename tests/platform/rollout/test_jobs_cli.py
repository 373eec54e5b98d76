"""The jobs-loop step records regressions without anyone looking; the CLI reads the same state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from brightkitchen.cli import rollout_cmd
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.jobs.rollout import run_rollout_jobs
from brightkitchen.platform.rollout.models import RolloutStatusChange
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests.support import rollout as s

T0 = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)  # 04:00 local: before the bulletin time


def changes(session: Session, site_id: int) -> list[tuple[str, datetime]]:
    rows = session.execute(
        select(RolloutStatusChange.status, RolloutStatusChange.at)
        .where(RolloutStatusChange.site_id == site_id)
        .order_by(RolloutStatusChange.at)
    )
    return [(status, at) for status, at in rows]


def test_the_jobs_step_records_a_regression_when_it_happens(ctx: PlatformContext, session: Session) -> None:
    w = f.world(session)
    s.ready(session, w.site_a1, T0)
    first = run_rollout_jobs(ctx, T0)
    assert first.evaluated == 3 and first.bulletins == []
    assert run_rollout_jobs(ctx, T0 + timedelta(minutes=1)).evaluated == 0  # fresh: nothing to do
    silent = T0 + timedelta(hours=25)  # 05:00 local the next day: still before the bulletin
    assert run_rollout_jobs(ctx, silent).evaluated == 3
    session.expire_all()
    assert changes(session, w.site_a1.id) == [("accepted", T0), ("regressed", silent)]
    at_eight = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    report = run_rollout_jobs(ctx, at_eight)
    assert len(report.bulletins) == 3  # the city and both districts


def test_cli_status_checklist_and_bulletin(session: Session, settings: Settings) -> None:
    w = f.world(session)
    s.ready(session, w.site_a2, datetime.now(UTC))
    env = {
        "BRIGHTKITCHEN_DATABASE_URL": settings.resolved_database_url(),
        "BRIGHTKITCHEN_DATA_DIR": str(settings.data_dir),
    }
    runner = CliRunner()
    status = runner.invoke(rollout_cmd.app, ["status", "--region", "dist-a"], env=env)
    assert status.exit_code == 0, status.output
    lines = [line.split("\t")[:2] for line in status.output.strip().splitlines()]
    assert lines == [["A1", "not_started"], ["A2", "accepted"]]
    one = runner.invoke(rollout_cmd.app, ["checklist", "A1"], env=env)
    assert one.exit_code == 0 and "[pending] 现场验收已签字" in one.output
    assert runner.invoke(rollout_cmd.app, ["checklist", "ZZ"], env=env).exit_code == 1
    early = runner.invoke(rollout_cmd.app, ["bulletin", "--at", "2026-11-23T07:00:00+08:00"], env=env)
    assert early.exit_code == 0 and "nothing to do" in early.output
    made = runner.invoke(rollout_cmd.app, ["bulletin", "--at", "2026-11-23T08:00:00+08:00"], env=env)
    # Made at 08:00 on the 23rd, about the whole of the 22nd (the day it covers is its date).
    assert made.exit_code == 0 and "# 【明厨亮灶】东城分局 每日通报 2026-11-22" in made.output
    again = runner.invoke(rollout_cmd.app, ["bulletin", "--at", "2026-11-23T09:00:00+08:00"], env=env)
    assert "nothing to do" in again.output
