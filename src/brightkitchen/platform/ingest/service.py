"""Turning a device's violation event into exactly one alert, with its evidence, or refusing it whole."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts import transitions as t
from brightkitchen.platform.alerts.birth import open_alert
from brightkitchen.platform.alerts.models import Alert, AlertEvidence
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.problems import Problem, conflict
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.storage.base import EvidenceStore, new_key
from brightkitchen.platform.uploads.content import sniff, structure_problem
from brightkitchen.protocol.v1 import EvidenceRef, ViolationEvent

PARTS = ("snapshot", "clip")


@dataclass(frozen=True)
class Ingested:
    alert_id: int
    duplicate: bool


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
    row = session.execute(select(Alert.id, Alert.site_id).where(Alert.event_id == event_id)).first()
    if row is None:
        raise Problem(503, "Try again", "the event could not be stored", headers={"Retry-After": "2"})
    if row.site_id != site_id:
        raise conflict("this event_id is already used")  # another site's alert: say nothing about it
    return Ingested(row.id, True)


def ingest(
    session: Session, settings: Settings, store: EvidenceStore, principal: Principal,
    raw_event: bytes | None, files: dict[str, bytes], now: datetime,
) -> Ingested:  # fmt: skip
    event = parse_event(raw_event)
    site_id = principal.site_id
    assert site_id is not None
    site = session.execute(
        select(Site.code, Region.path, Camera.id.label("camera_id"))
        .join(Region, Region.id == Site.region_id)
        .outerjoin(Camera, and_(Camera.site_id == Site.id, Camera.key == event.camera_key))
        .where(Site.id == site_id)
    ).one()
    if site.code != event.site_code:
        raise Problem(403, "Forbidden", "a device may upload only for its own site", code="wrong_site")
    if site.camera_id is None:
        raise Problem(404, "Not found", f"camera '{event.camera_key}' is not registered at this site",
                      code="unknown_camera")  # fmt: skip
    evidence = check_evidence(event, files)
    if session.scalar(select(Alert.id).where(Alert.event_id == event.event_id)) is not None:
        return _existing(session, event.event_id, site_id)

    written: list[str] = []
    try:
        rows = []
        for ref, data in evidence:  # stored only now, after every check passed
            key = new_key(site_id, ref.content_type, now)
            store.put(key, data, ref.content_type)
            written.append(key)
            rows.append(AlertEvidence(kind=ref.kind.value, storage_key=key, sha256=ref.sha256, size=ref.size,
                                      content_type=ref.content_type))  # fmt: skip
        alert = open_alert(
            session, settings, site_id=site_id, code=event.code, source="edge", event_id=event.event_id,
            actor=t.Actor.of(principal), now=now, region_path=site.path, camera_id=site.camera_id,
            device_id=principal.id, score=event.score, started_at=event.started_at, ended_at=event.ended_at,
            boxes=[b.model_dump() for b in event.boxes], track_id=event.track_id, model_name=event.model_name,
            model_version=event.model_version, frame_width=event.frame_width, frame_height=event.frame_height,
            test=event.test,
        )  # fmt: skip
        for row in rows:
            row.alert_id = alert.id
        session.add_all(rows)
        session.commit()
        return Ingested(alert.id, False)
    except IntegrityError:
        # The same event arrived concurrently and won the unique constraint: answer as a duplicate.
        session.rollback()
        _delete(store, written)
        return _existing(session, event.event_id, site_id)
    except OperationalError as exc:
        session.rollback()
        _delete(store, written)
        raise Problem(503, "Database unavailable", "try again later", headers={"Retry-After": "5"}) from exc
    except BaseException:
        session.rollback()
        _delete(store, written)
        raise


def _delete(store: EvidenceStore, keys: list[str]) -> None:
    for key in keys:
        # Best effort: the error that brought us here is the one to report.
        with contextlib.suppress(Exception):
            store.delete(key)
