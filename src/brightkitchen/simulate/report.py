"""The end-of-run summary, proved against the platform: every distinct event is exactly one recorded detection
(detections of one camera's episode share an alert, so alerts are no longer one per event)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, create_engine, text

from brightkitchen.simulate.fleet import Tally


@dataclass(frozen=True)
class Verification:
    distinct_events: int  # distinct event ids the platform acknowledged
    detections_in_platform: int

    @property
    def ok(self) -> bool:
        return self.distinct_events == self.detections_in_platform


def verify_in_database(database_url: str, accepted_ids: set[str]) -> Verification:
    """Counts, straight from the platform's database, the detections recorded for the accepted event ids."""
    engine = create_engine(database_url)
    ids = sorted(accepted_ids)
    found = 0
    try:
        with engine.connect() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                found += int(
                    conn.execute(
                        text("SELECT count(*) FROM alert_detections WHERE event_id IN :ids").bindparams(
                            bindparam("ids", expanding=True)
                        ),
                        {"ids": chunk},
                    ).scalar_one()
                )
    finally:
        engine.dispose()
    return Verification(distinct_events=len(ids), detections_in_platform=found)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary_lines(tally: Tally, elapsed_s: float, check: Verification | None) -> list[str]:
    lines = [
        f"run time            {elapsed_s:.0f} s",
        f"events sent         {tally.events_sent} ({tally.events_sent / max(elapsed_s, 1e-9):.1f}/s), "
        f"distinct {len(tally.event_ids)}",
        f"  created           {tally.events_created}",
        f"  duplicate (ok)    {tally.events_duplicate}",
        f"  failed            {tally.events_failed}",
        f"heartbeats sent     {tally.heartbeats_sent} ({tally.heartbeats_sent / max(elapsed_s, 1e-9):.1f}/s), "
        f"failed {tally.heartbeats_failed}",
        f"event latency       p50 {percentile(tally.latencies_ms, 0.5):.0f} ms, "
        f"p95 {percentile(tally.latencies_ms, 0.95):.0f} ms",
    ]
    if tally.errors:
        lines.append("errors              " + ", ".join(f"{k}: {v}" for k, v in sorted(tally.errors.items())))
    if check is not None:
        verdict = "OK: none lost, none doubled" if check.ok else "MISMATCH"
        lines.append(
            f"platform check      {check.detections_in_platform} detections for "
            f"{check.distinct_events} distinct events: {verdict}"
        )
    return lines
