"""Episodes: which alert a camera's detection belongs to, and whether an episode is long enough to raise one.

One alert per camera and violation code for one continuous episode: a detection that starts within the gap after
the latest alert's last sighting joins it while that alert is still open to the school (new, pushed, rectifying)
or was marked a false positive. A submitted or closed alert is not reopened; the next sighting starts a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, text, update
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import JOINABLE_STATES, Alert, AlertDetection, AlertEvidence
from brightkitchen.platform.alerts.policy_cache import policies_of
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera
from brightkitchen.platform.tenancy import region_ids

# pg_advisory_xact_lock(namespace, camera id): the namespace keeps these locks apart from any other use.
_LOCK_NAMESPACE = 0x424B01
_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:ns, :id)")  # built once: one per event
# The pending run before an alert is raised is read back at most this far (detections, newest first).
_PENDING_LIMIT = 1000


@dataclass(frozen=True)
class EpisodeRule:
    min_duration_s: float
    gap_s: float

    @property
    def gap(self) -> timedelta:
        return timedelta(seconds=self.gap_s)


def episode_rule(session: Session, settings: Settings, region_path: str, code: str) -> EpisodeRule:
    """The most specific policy wins, as for deadlines: the deepest region first, then the exact code over "*"."""
    policies = policies_of(session)
    best = policies.most_specific(policies.episodes, region_ids(region_path), code)
    if best is None:
        return EpisodeRule(settings.episode_min_duration_s, settings.episode_gap_s)
    return EpisodeRule(best[0], best[1])


def lock_camera(session: Session, camera_id: int) -> None:
    """Serializes episode decisions for one camera until the transaction ends, so two detections arriving at
    once cannot both start an alert. PostgreSQL: a transaction-scoped advisory lock (no row is rewritten, and
    heartbeats updating the camera are not held up). SQLite: the first write takes the database's write lock,
    which is held to the commit; the reads before it ran outside a transaction, so none is stale."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_ADVISORY_LOCK, {"ns": _LOCK_NAMESPACE, "id": camera_id})
    else:
        session.execute(update(Camera).where(Camera.id == camera_id).values(name=Camera.name))


def joins(
    state: str, alert_started: datetime, last_seen: datetime, started: datetime, ended: datetime, gap: timedelta
) -> bool:
    """Whether a detection [started, ended] belongs to an alert's episode [alert_started, last_seen]: the alert
    still grows and the two come within ``gap`` of each other (a late, re-sent detection may lie before it)."""
    return state in JOINABLE_STATES and started <= last_seen + gap and ended >= alert_started - gap


@dataclass(frozen=True)
class Head:
    """What deciding and growing an episode needs of the camera's latest alert, and the evidence it keeps."""

    id: int
    site_id: int
    state: str
    started_at: datetime
    ended_at: datetime
    last_seen_at: datetime
    detection_count: int
    score: float
    snapshot_id: int | None  # the kept snapshot's evidence row, if any
    snapshot_key: str | None
    clips: int  # clips kept so far


_ALERTS = cast(Table, Alert.__table__)
_EVIDENCE = cast(Table, AlertEvidence.__table__)


def _kept(column: Any, kind: str) -> Any:
    return (
        select(column)
        .where(_EVIDENCE.c.alert_id == _ALERTS.c.id, _EVIDENCE.c.kind == kind)
        .order_by(_EVIDENCE.c.id)
        .limit(1)
        .scalar_subquery()
    )


# Built once, with its evidence as subqueries: one round trip per event (the statement's cache key, made per
# call, cost more than running it), and no ORM object to build for a row that is only read and updated in place.
_LATEST = (
    select(
        _ALERTS.c.id, _ALERTS.c.site_id, _ALERTS.c.state, _ALERTS.c.started_at, _ALERTS.c.ended_at,
        _ALERTS.c.last_seen_at, _ALERTS.c.detection_count, _ALERTS.c.score,
        _kept(_EVIDENCE.c.id, "snapshot"), _kept(_EVIDENCE.c.storage_key, "snapshot"),
        select(func.count()).where(_EVIDENCE.c.alert_id == _ALERTS.c.id, _EVIDENCE.c.kind == "clip")
        .scalar_subquery(),
    )
    .where(_ALERTS.c.camera_id == bindparam("camera_id"), _ALERTS.c.code == bindparam("code"),
           _ALERTS.c.source == "edge", _ALERTS.c.test.is_(False))
    .order_by(_ALERTS.c.last_seen_at.desc(), _ALERTS.c.id.desc())
    .limit(1)
)  # fmt: skip


def latest_alert(session: Session, camera_id: int, code: str) -> Head | None:
    """The camera's most recently seen edge alert for ``code`` (installers' test alerts never take part)."""
    row = session.execute(_LATEST, {"camera_id": camera_id, "code": code}).first()
    return None if row is None else Head(*row)


def pending_run(
    session: Session, camera_id: int, code: str, started: datetime, gap: timedelta, after: datetime | None
) -> list[AlertDetection]:
    """The detections recorded without an alert (the episode was below its minimum) that chain, each within
    ``gap`` of the next, back from a detection starting at ``started``; none before ``after`` (the last
    sighting of the camera's latest alert, which took in everything before it)."""
    stmt = select(AlertDetection).where(
        AlertDetection.camera_id == camera_id,
        AlertDetection.code == code,
        AlertDetection.alert_id.is_(None),
        AlertDetection.test.is_(False),
    )
    if after is not None:
        stmt = stmt.where(AlertDetection.ended_at > after)
    rows = session.scalars(stmt.order_by(AlertDetection.ended_at.desc()).limit(_PENDING_LIMIT)).all()
    return chain_back(rows, started, gap)


def chain_back(rows: Sequence[AlertDetection], started: datetime, gap: timedelta) -> list[AlertDetection]:
    """Of ``rows``, those that chain back from ``started`` with no quiet ``gap`` between."""
    chain: list[AlertDetection] = []
    bound = started
    for row in sorted(rows, key=lambda r: r.ended_at, reverse=True):
        if row.ended_at < bound - gap:
            break
        chain.append(row)
        bound = min(bound, row.started_at)
    return chain


def long_enough(first_started: datetime, last_ended: datetime, rule: EpisodeRule) -> bool:
    return (last_ended - first_started).total_seconds() >= rule.min_duration_s
