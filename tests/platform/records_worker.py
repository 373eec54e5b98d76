"""The body of a separate platform process for the records exactly-once test (imported by multiprocessing spawn)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from brightkitchen.platform import models  # noqa: F401  (every table, so foreign keys resolve in a fresh process)
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.jobs.records import run_record_jobs
from brightkitchen.platform.settings import Settings


def run_record_jobs_at(database_url: str, data_dir: str, now_iso: str, start: Any, rounds: int) -> dict[str, int]:
    ctx = PlatformContext.build(Settings(database_url=database_url, data_dir=data_dir, jobs_enabled=False))
    start.wait(60)  # both processes go at the same moment
    totals = {"missing": 0, "certificates": 0}
    try:
        for _ in range(rounds):
            report = run_record_jobs(ctx, datetime.fromisoformat(now_iso))
            totals["missing"] += report.missing
            totals["certificates"] += report.certificates
    finally:
        ctx.engine.dispose()
    return totals
