"""The rule on each new reading: a violation lasting duration_s raises ONE alert (cold_chain_temperature or
gas_leak), kept open while it lasts and cleared on recovery, like camera_fault. A violation that ends before
duration_s raises nothing. The caller holds the sensor row locked (FOR UPDATE on PostgreSQL), so two workers
handling readings of one sensor take turns."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts import transitions as t
from brightkitchen.platform.alerts.birth import open_alert
from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.health.faults import clear_fault
from brightkitchen.platform.sensors.kinds import ALERT_CODES, RuleOp, SensorKind
from brightkitchen.platform.sensors.models import Sensor
from brightkitchen.platform.settings import Settings

log = logging.getLogger(__name__)


def fault_key(sensor_id: int) -> str:
    return f"sensor:{sensor_id}"


def violates(sensor: Sensor, value: float) -> bool:
    if sensor.rule_op is None or sensor.rule_threshold is None:
        return False
    if sensor.rule_op == RuleOp.above:
        return value > sensor.rule_threshold
    return value < sensor.rule_threshold


def evaluate(session: Session, settings: Settings, sensor: Sensor, value: float, at: datetime) -> None:
    """Applies the newest reading (``at`` not older than the last one) to the sensor's breach state."""
    if not sensor.enabled or not violates(sensor, value):
        sensor.violating_since = None
        if sensor.breach:
            end_breach(session, settings, sensor, at, "reading back within the rule")
        return
    if sensor.violating_since is None:
        sensor.violating_since = at
    lasted = (at - sensor.violating_since).total_seconds()
    if not sensor.breach and lasted >= (sensor.rule_duration_s or 0):
        _raise(session, settings, sensor, value, at)
        sensor.breach = True


def end_breach(session: Session, settings: Settings, sensor: Sensor, now: datetime, reason: str) -> None:
    clear_fault(session, settings, fault_key(sensor.id), reason, now)
    sensor.breach = False


def _raise(session: Session, settings: Settings, sensor: Sensor, value: float, at: datetime) -> Alert | None:
    code = ALERT_CODES.get(SensorKind(sensor.kind))
    if code is None:
        return None
    since = sensor.violating_since or at
    detail = (
        f"{sensor.name} ({sensor.key}): {value:g} {sensor.unit} {sensor.rule_op} {sensor.rule_threshold:g} "
        f"for {int((at - since).total_seconds())} s"
    )
    key = fault_key(sensor.id)
    try:
        # A savepoint: an alert still open under this key (one a person has not closed) is kept, not doubled.
        with session.begin_nested():
            return open_alert(
                session, settings, site_id=sensor.site_id, code=code, source="system",
                event_id=f"sys-sensor-{sensor.id}-{int(at.timestamp() * 1000)}", actor=t.Actor.system(), now=at,
                reason=detail, camera_id=None, score=1.0, started_at=since, ended_at=at, boxes=[],
                detail=detail[:500], open_fault_key=key,
            )  # fmt: skip
    except IntegrityError:
        log.info("sensor %s: breach alert already open", sensor.id)
        return None
