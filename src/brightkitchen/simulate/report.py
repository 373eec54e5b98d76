"""The end-of-run summary, proved against the platform: every distinct event is exactly one recorded detection
(detections of one camera's episode share an alert, so alerts are no longer one per event), and, for the light
fleet, every device's last acknowledged heartbeat is the one the database holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, create_engine, select, text

from brightkitchen.platform.devices.models import Device
from brightkitchen.simulate.fleet import Tally
from brightkitchen.simulate.light import LightResult, percentile_ms


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


@dataclass(frozen=True)
class HeartbeatProof:
    devices: int  # devices with at least one acknowledged heartbeat
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_heartbeats(
    database_url: str, last_ack: dict[int, tuple[float, float]], slack_s: float, early_s: float = 0.5
) -> HeartbeatProof:
    """From the database: each device that sent has its last acknowledged heartbeat recorded, i.e. its
    ``last_heartbeat_at`` lies between when that heartbeat was sent (less ``early_s`` of clock rounding) and when it
    was acknowledged plus ``slack_s`` (the platform may buffer heartbeats and write them a flush later), and it is
    not offline. An earlier heartbeat standing in for a lost last one is a heartbeat interval too old."""
    engine = create_engine(database_url)
    ids = sorted(last_ack)
    rows: dict[int, tuple[datetime | None, str]] = {}
    try:
        with engine.connect() as conn:
            for start in range(0, len(ids), 5000):
                chunk = ids[start : start + 5000]
                query = select(Device.id, Device.last_heartbeat_at, Device.status).where(Device.id.in_(chunk))
                rows.update((r.id, (r.last_heartbeat_at, r.status)) for r in conn.execute(query))
    finally:
        engine.dispose()
    problems = []
    for device_id in ids:
        sent, acked = last_ack[device_id]
        if device_id not in rows:
            problems.append(f"device {device_id}: not in the database")
            continue
        at, status = rows[device_id]
        if at is None:
            problems.append(f"device {device_id}: no heartbeat recorded")
        elif at.timestamp() < sent - early_s:
            problems.append(f"device {device_id}: last heartbeat lost (recorded {sent - at.timestamp():.1f} s "
                            "before the last acknowledged one was sent)")  # fmt: skip
        elif at.timestamp() > acked + slack_s:
            problems.append(f"device {device_id}: recorded {at.timestamp() - acked:.1f} s after its last "
                            "acknowledged heartbeat")  # fmt: skip
        if status == "offline":
            problems.append(f"device {device_id}: offline")
    return HeartbeatProof(devices=len(ids), problems=problems)


def light_summary_lines(
    result: LightResult,
    elapsed_s: float,
    planned_per_s: float,
    events: Verification | None,
    heartbeats: HeartbeatProof | None,
) -> list[str]:
    r = result
    duration = max(elapsed_s, 1e-9)
    ok = r.heartbeats_sent - r.heartbeats_failed
    lines = [
        f"run time            {elapsed_s:.0f} s",
        f"heartbeats          planned {r.heartbeats_planned} ({planned_per_s:.0f}/s), sent {r.heartbeats_sent}, "
        f"acknowledged {ok} ({ok / duration:.0f}/s = {ok / max(r.heartbeats_planned, 1):.3f} of plan), "
        f"failed {r.heartbeats_failed}",
        f"heartbeat lateness  p50 {percentile_ms(r.lateness_ms, 0.5)} ms, p99 {percentile_ms(r.lateness_ms, 0.99)} ms,"
        f" max {max(r.lateness_ms, default=0)} ms (sent vs schedule)",
        f"events sent         {r.events_sent} ({r.events_sent / duration:.1f}/s), distinct {len(r.event_ids)}",
        f"  created           {r.events_created}",
        f"  duplicate (ok)    {r.events_duplicate}",
        f"  failed            {r.events_failed}",
        f"client CPU          {r.cpu_s:.1f} s ({100 * r.cpu_s / duration:.0f}% of one core)",
    ]
    if r.errors:
        lines.append("errors              " + ", ".join(f"{k}: {v}" for k, v in sorted(r.errors.items())))
    if events is not None:
        verdict = "OK: none lost, none doubled" if events.ok else "MISMATCH"
        lines.append(f"platform check      {events.detections_in_platform} detections for "
                     f"{events.distinct_events} distinct events: {verdict}")  # fmt: skip
    if heartbeats is not None:
        verdict = "OK" if heartbeats.ok else f"{len(heartbeats.problems)} PROBLEM(S)"
        lines.append(f"heartbeat check     last acknowledged heartbeat of {heartbeats.devices} devices recorded, "
                     f"none offline: {verdict}")  # fmt: skip
        lines.extend(f"  {p}" for p in heartbeats.problems[:20])
        if len(heartbeats.problems) > 20:
            lines.append(f"  ... and {len(heartbeats.problems) - 20} more")
    return lines
