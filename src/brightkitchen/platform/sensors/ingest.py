"""Readings in, from MQTT or the device relay: stored, the sensor's last value moved on, the rule applied.
Nothing here raises on bad input: an unknown topic or sensor, or a malformed payload, is an outcome the
caller logs and counts."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.sensors.breach import evaluate
from brightkitchen.platform.sensors.models import Sensor, SensorReading
from brightkitchen.platform.sensors.schemas import MAX_MAGNITUDE
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Site

TOPIC = re.compile(r"^brightkitchen/([^/+#]{1,64})/sensors/([A-Za-z0-9_-]{1,64})$")
# A reading stamped further ahead than this is a device clock gone wrong, not a measurement.
MAX_FUTURE = timedelta(minutes=5)


class Outcome(StrEnum):
    stored = "stored"
    unknown_topic = "unknown_topic"
    unknown_sensor = "unknown_sensor"
    disabled = "disabled"
    malformed = "malformed"


@dataclass(frozen=True)
class Reading:
    value: float
    at: datetime


class Malformed(ValueError):
    pass


def parse_topic(topic: str) -> tuple[str, str] | None:
    m = TOPIC.match(topic)
    return (m.group(1), m.group(2)) if m else None


def finite_value(raw: object) -> float:
    # bool is an int in Python; a true/false is not a measurement.
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise Malformed("value must be a finite number")
    if abs(raw) > MAX_MAGNITUDE:
        raise Malformed("value is out of range")
    return float(raw)


def aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def parse_payload(payload: bytes, now: datetime) -> Reading:
    """``{"value": number, "at"?: ISO datetime}``; a missing ``at`` is the time it arrived."""
    try:
        doc = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Malformed("payload is not JSON") from exc
    if not isinstance(doc, dict) or "value" not in doc:
        raise Malformed('payload must be an object with "value"')
    value = finite_value(doc["value"])
    at = now
    if doc.get("at") is not None:
        if not isinstance(doc["at"], str):
            raise Malformed('"at" must be an ISO datetime string')
        try:
            at = aware(datetime.fromisoformat(doc["at"]))
        except ValueError as exc:
            raise Malformed('"at" must be an ISO datetime string') from exc
    check_time(at, now)
    return Reading(value, at)


def check_time(at: datetime, now: datetime) -> None:
    if at > now + MAX_FUTURE:
        raise Malformed('"at" is in the future')


def locked_sensor(session: Session, site_id: int | None, site_code: str | None, key: str) -> Sensor | None:
    """The sensor row, locked for this transaction (PostgreSQL; SQLite serialises writers anyway)."""
    stmt = select(Sensor).where(Sensor.key == key)
    if site_id is not None:
        stmt = stmt.where(Sensor.site_id == site_id)
    else:
        stmt = stmt.join(Site, Site.id == Sensor.site_id).where(Site.code == site_code)
    return session.scalar(stmt.with_for_update(of=Sensor))


def store(session: Session, settings: Settings, sensor: Sensor, readings: list[Reading]) -> None:
    """Keeps every reading; only readings newer than the last one move the state and the rule on
    (a late one from a relay's backlog is history, not the present)."""
    for r in sorted(readings, key=lambda r: r.at):
        session.add(SensorReading(sensor_id=sensor.id, at=r.at, value=r.value))
        if sensor.last_at is not None and r.at < sensor.last_at:
            continue
        sensor.last_value, sensor.last_at = r.value, r.at
        evaluate(session, settings, sensor, r.value, r.at)


def from_message(session: Session, settings: Settings, topic: str, payload: bytes, now: datetime) -> Outcome:
    """One MQTT message, in the caller's transaction."""
    parsed = parse_topic(topic)
    if parsed is None:
        return Outcome.unknown_topic
    site_code, key = parsed
    try:
        reading = parse_payload(payload, now)
    except Malformed:
        return Outcome.malformed
    sensor = locked_sensor(session, None, site_code, key)
    if sensor is None:
        return Outcome.unknown_sensor
    if not sensor.enabled:
        return Outcome.disabled
    store(session, settings, sensor, [reading])
    return Outcome.stored
