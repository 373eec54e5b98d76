"""The body of a separate platform process for the exactly-once tests (imported by multiprocessing spawn)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.jobs.runner import run_due_jobs
from brightkitchen.platform.settings import Settings


def run_jobs_at(database_url: str, data_dir: str, now_iso: str, start: Any, rounds: int) -> dict[str, int]:
    ctx = PlatformContext.build(Settings(database_url=database_url, data_dir=data_dir, jobs_enabled=False))
    start.wait(60)  # both processes go at the same moment
    totals = {"escalated": 0, "offline": 0, "pushed": 0, "errors": 0}
    try:
        for _ in range(rounds):
            report = run_due_jobs(ctx, datetime.fromisoformat(now_iso))
            totals["escalated"] += report.escalated
            totals["offline"] += report.offline
            totals["pushed"] += report.pushed
            totals["errors"] += len(report.errors)
    finally:
        ctx.engine.dispose()
    return totals
