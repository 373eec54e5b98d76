"""Turning a device's violation event into one recorded detection of an episode (a new alert, a sighting added
to the camera's open alert, or a detection below the minimum duration), with its evidence, or refusing it whole."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts import episodes
from brightkitchen.platform.alerts import transitions as t
from brightkitchen.platform.alerts.birth import open_alert
from brightkitchen.platform.alerts.models import Alert, AlertDetection, AlertEvidence, DetectionOutcome
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.ingest.evidence_writes import EvidenceWrites, delete_quietly
from brightkitchen.platform.ingest.sites import SiteCache, uncached_sender
from brightkitchen.platform.problems import Problem, conflict
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage.base import EvidenceStore, thumbnail_key
from brightkitchen.platform.uploads.content import sniff, structure_problem
from brightkitchen.protocol.v1 import EvidenceRef, ViolationEvent

PARTS = ("snapshot", "clip")


@dataclass(frozen=True)
class Ingested:
    alert_id: int | None  # None: recorded, but the episode is still below its minimum duration
    duplicate: bool
    outcome: str  # DetectionOutcome
    detection_count: int | None  # the alert's detections so far


def unprocessable(detail: str, field: str, code: str = "invalid") -> Problem:
    return Problem(422, "Invalid request", detail, errors=[{"field": field, "message": detail}], code=code)


def parse_event(raw: bytes | None) -> ViolationEvent:
    if raw is None:
        raise unprocessable("the 'event' part is missing", "event")
    try:
        return ViolationEvent.model_validate_json(raw)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(["event", *(str(p) for p in e["loc"])]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        first = errors[0]["field"] if errors else "event"
        raise Problem(422, "Invalid request", f"invalid value for '{first}'", errors=errors, code="invalid") from exc


def check_evidence(event: ViolationEvent, files: dict[str, bytes]) -> list[tuple[EvidenceRef, bytes]]:
    """Every listed file must be there and match its sha256 and size, and be what it claims by content."""
    kinds = [ref.kind.value for ref in event.evidence]
    if len(set(kinds)) != len(kinds):
        raise unprocessable("each evidence kind may be listed once", "event.evidence")
    unlisted = sorted(set(files) - set(kinds))
    if unlisted:
        raise unprocessable(f"part '{unlisted[0]}' is not listed in event.evidence", unlisted[0])
    checked = []
    for ref in event.evidence:
        name = ref.kind.value
        data = files.get(name)
        if data is None:
            raise unprocessable(f"evidence '{name}' is listed but its part is missing", name)
        expected = "image/jpeg" if name == "snapshot" else "video/mp4"
        actual = sniff(data)
        if actual != expected or ref.content_type != expected:
            raise Problem(
                415, "Unsupported media type", f"'{name}' must be {expected} by content (got {actual or 'unknown'})",
                errors=[{"field": name, "message": f"expected {expected}"}], code="unsupported_media_type",
            )  # fmt: skip
        if len(data) != ref.size:
            raise unprocessable(f"'{name}' is {len(data)} bytes, the event says {ref.size}", name, "size_mismatch")
        if hashlib.sha256(data).hexdigest() != ref.sha256:
            raise unprocessable(f"'{name}' does not match its sha256", name, "sha256_mismatch")
        problem = structure_problem(expected, data)
        if problem:
            raise unprocessable(problem, name, "corrupt")
        checked.append((ref, data))
    return checked


def _existing(session: Session, event_id: str, site_id: int) -> Ingested:
    row = session.execute(
        select(AlertDetection.site_id, AlertDetection.alert_id, AlertDetection.outcome, Alert.detection_count)
        .outerjoin(Alert, Alert.id == AlertDetection.alert_id)
        .where(AlertDetection.event_id == event_id)
    ).first()
    if row is None:
        # An alert the platform raised itself ("sys-...") holds the id: never this device's event.
        if session.scalar(select(Alert.id).where(Alert.event_id == event_id)) is not None:
            raise conflict("this event_id is already used")
        raise Problem(503, "Try again", "the event could not be stored", headers={"Retry-After": "2"})
    if row.site_id != site_id:
        raise conflict("this event_id is already used")  # another site's detection: say nothing about it
    return Ingested(row.alert_id, True, row.outcome, row.detection_count)


class _Duplicate(Exception):
    """The detection's event_id is already recorded (found by the insert itself)."""


def ingest(
    session: Session, settings: Settings, store: EvidenceStore, principal: Principal,
    raw_event: bytes | None, files: dict[str, bytes], now: datetime, sites: SiteCache | None = None,
) -> Ingested:  # fmt: skip
    """``sites``: the process's cache of site facts (none: read them). A re-sent event is found by the
    detection's own insert (ON CONFLICT DO NOTHING on event_id), under the camera's lock: no read before."""
    event = parse_event(raw_event)
    site_id = principal.site_id
    assert site_id is not None
    if sites is None:
        sender = uncached_sender(session, site_id, event.site_code, event.camera_key)
    else:
        sender = sites.sender(session, site_id, event.site_code, event.camera_key)
    evidence = dict((ref.kind.value, (ref, data)) for ref, data in check_evidence(event, files))

    writes = EvidenceWrites(store)
    try:
        episodes.lock_camera(session, sender.camera_id)
        result = _place(session, settings, principal, event, evidence, site_id, sender.region_path,
                        sender.camera_id, now, writes)  # fmt: skip
        session.flush()
        writes.settle()  # every file on disk before the commit that makes the answer
        session.commit()
    except (_Duplicate, IntegrityError) as exc:
        # Already recorded (or the same event won the race an instant ago): answer as a duplicate. Any other
        # clash (a camera deleted since the site was cached) finds no detection and answers 503: try again.
        session.rollback()
        writes.discard()
        if isinstance(exc, IntegrityError) and sites is not None:
            sites.forget(site_id)
        return _existing(session, event.event_id, site_id)
    except OperationalError as exc:
        session.rollback()
        writes.discard()
        raise Problem(503, "Database unavailable", "try again later", headers={"Retry-After": "5"}) from exc
    except BaseException:
        session.rollback()
        writes.discard()
        raise
    delete_quietly(store, writes.replaced)  # a snapshot the episode's better one replaced, and its thumbnail
    return result


# Built once: a statement made per event (with its values inline) costs more to key for the cache than to run.
# On the table, not the mapped class: an ORM insert given values takes the ORM's bulk path, which costs more
# than the round trip itself.
_DETECTIONS = cast(Table, AlertDetection.__table__)
_RECORD = {
    dialect: insert(_DETECTIONS)
    .on_conflict_do_nothing(index_elements=[_DETECTIONS.c.event_id])
    .returning(_DETECTIONS.c.id)
    for dialect, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


def _record(session: Session, event: ViolationEvent, site_id: int, camera_id: int, device_id: int | None,
            now: datetime, outcome: DetectionOutcome, alert_id: int | None) -> int:  # fmt: skip
    """Inserts the detection; its id, or ``_Duplicate`` if the event_id is already there (one round trip for
    both: INSERT ... ON CONFLICT (event_id) DO NOTHING RETURNING id)."""
    values = dict(
        event_id=event.event_id, site_id=site_id, camera_id=camera_id, device_id=device_id, alert_id=alert_id,
        code=event.code, started_at=event.started_at, ended_at=event.ended_at, score=event.score,
        track_id=event.track_id, test=event.test, outcome=outcome.value, received_at=now,
    )  # fmt: skip
    detection_id = session.execute(_RECORD[session.get_bind().dialect.name], values).scalar()
    if detection_id is None:
        raise _Duplicate(event.event_id)
    return int(detection_id)


def _place(
    session: Session, settings: Settings, principal: Principal, event: ViolationEvent,
    evidence: dict[str, tuple[EvidenceRef, bytes]], site_id: int, region_path: str, camera_id: int, now: datetime,
    writes: EvidenceWrites,
) -> Ingested:  # fmt: skip
    """Under the camera's lock: join the open episode, stay below the minimum, or open a new alert."""
    rule = episodes.episode_rule(session, settings, region_path, event.code)
    latest = None if event.test else episodes.latest_alert(session, camera_id, event.code)
    if latest is not None and episodes.joins(
        latest.state, latest.started_at, latest.last_seen_at, event.started_at, event.ended_at, rule.gap
    ):
        det = _record(session, event, site_id, camera_id, principal.id, now, DetectionOutcome.joined, latest.id)
        count = _join(session, settings, latest, event, evidence, det, now, writes)
        return Ingested(latest.id, False, DetectionOutcome.joined, count)

    run = [] if event.test else episodes.pending_run(
        session, camera_id, event.code, event.started_at, rule.gap, latest.last_seen_at if latest else None
    )  # fmt: skip
    first = min([event.started_at, *(d.started_at for d in run)])
    last = max([event.ended_at, *(d.ended_at for d in run)])
    if not event.test and not episodes.long_enough(first, last, rule):
        _record(session, event, site_id, camera_id, principal.id, now, DetectionOutcome.below_min, None)
        return Ingested(None, False, DetectionOutcome.below_min, None)

    # The files are written while the alert's statements run: all of them are kept for a new alert.
    keys = {kind: writes.put(site_id, ref, data, now) for kind, (ref, data) in evidence.items()}
    alert = open_alert(
        session, settings, site_id=site_id, code=event.code, source="edge", event_id=event.event_id,
        actor=t.Actor.of(principal), now=now, region_path=region_path, camera_id=camera_id,
        device_id=principal.id, score=event.score, started_at=first, ended_at=last, last_seen_at=last,
        detection_count=len(run) + 1, boxes=[b.model_dump() for b in event.boxes], track_id=event.track_id,
        model_name=event.model_name, model_version=event.model_version, frame_width=event.frame_width,
        frame_height=event.frame_height, test=event.test,
    )  # fmt: skip
    for earlier in run:
        earlier.alert_id = alert.id
    det = _record(session, event, site_id, camera_id, principal.id, now, DetectionOutcome.opened, alert.id)
    for kind in PARTS:
        if kind in evidence:
            _add_evidence(session, alert.id, det, evidence[kind][0], keys[kind])
    return Ingested(alert.id, False, DetectionOutcome.opened, alert.detection_count)


def _add_evidence(session: Session, alert_id: int, det: int, ref: EvidenceRef, key: str) -> None:
    session.execute(_ADD_EVIDENCE, {"alert_id": alert_id, "detection_id": det, "kind": ref.kind.value,
                                    "storage_key": key, "sha256": ref.sha256, "size": ref.size,
                                    "content_type": ref.content_type})  # fmt: skip


# Evidence rows and an episode's growth are written with prebuilt Core statements: the ORM's flush of one row
# costs more than the round trip.
_ALERTS = cast(Table, Alert.__table__)
_EVIDENCE = cast(Table, AlertEvidence.__table__)
_ADD_EVIDENCE = _EVIDENCE.insert()
_TIMES = ("detection_count", "started_at", "ended_at", "last_seen_at")
_FRAME = ("score", "boxes", "track_id", "frame_width", "frame_height", "model_name", "model_version")


def _update(table: Table, names: tuple[str, ...]) -> Any:
    # Bound names differ from the columns': a SET clause reserves the column's own name.
    return (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({name: bindparam(f"new_{name}") for name in names})
    )


_GROW = _update(_ALERTS, _TIMES)
_GROW_WITH_FRAME = _update(_ALERTS, _TIMES + _FRAME)
_REPLACE = _update(_EVIDENCE, ("storage_key", "sha256", "size", "content_type", "detection_id"))


def _join(
    session: Session, settings: Settings, alert: episodes.Head, event: ViolationEvent,
    evidence: dict[str, tuple[EvidenceRef, bytes]], det: int, now: datetime, writes: EvidenceWrites,
) -> int:  # fmt: skip
    """The episode grows: count and times; the best snapshot (highest score) and the first clips are kept.
    Returns the alert's detection count now."""
    values: dict[str, Any] = {
        "detection_count": alert.detection_count + 1,
        "started_at": min(alert.started_at, event.started_at),
        "ended_at": max(alert.ended_at, event.ended_at),
        "last_seen_at": max(alert.last_seen_at, event.ended_at),
    }
    better = event.score > alert.score
    if "snapshot" in evidence and (alert.snapshot_id is None or better):
        ref, data = evidence["snapshot"]
        key = writes.put(alert.site_id, ref, data, now)
        if alert.snapshot_id is None or alert.snapshot_key is None:
            _add_evidence(session, alert.id, det, ref, key)
        else:
            session.execute(_REPLACE, {"row_id": alert.snapshot_id, "new_storage_key": key,
                                       "new_sha256": ref.sha256, "new_size": ref.size,
                                       "new_content_type": ref.content_type, "new_detection_id": det})  # fmt: skip
            writes.replaced += [alert.snapshot_key, thumbnail_key(alert.snapshot_key)]
        values.update(_frame(event))
    elif alert.snapshot_id is None and better:
        values.update(_frame(event))  # no picture either way: the boxes and score follow the best detection
    if "clip" in evidence and alert.clips < settings.episode_max_clips:
        ref, data = evidence["clip"]
        _add_evidence(session, alert.id, det, ref, writes.put(alert.site_id, ref, data, now))
    grow = _GROW_WITH_FRAME if "score" in values else _GROW
    session.execute(grow, {"row_id": alert.id, **{f"new_{name}": value for name, value in values.items()}})
    return int(values["detection_count"])


def _frame(event: ViolationEvent) -> dict[str, Any]:
    return {
        "score": event.score, "boxes": [b.model_dump() for b in event.boxes], "track_id": event.track_id,
        "frame_width": event.frame_width, "frame_height": event.frame_height, "model_name": event.model_name,
        "model_version": event.model_version,
    }  # fmt: skip
