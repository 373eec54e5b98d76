"""Evaluating checklists and keeping each site's status and status history up to date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brightkitchen.platform.rollout.checks import Item, evaluate, status_of
from brightkitchen.platform.rollout.facts import SiteFacts, gather
from brightkitchen.platform.rollout.models import RolloutStatus, RolloutStatusChange, SiteRollout
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Site

CHUNK = 500


@dataclass(frozen=True)
class Checklist:
    site_id: int
    status: RolloutStatus
    status_since: datetime
    first_accepted_at: datetime | None
    items: list[Item]
    facts: SiteFacts


def evaluate_sites(
    session: Session, settings: Settings, site_ids: Sequence[int], now: datetime
) -> dict[int, Checklist]:
    """Checklists for these sites as of ``now``; a status that changed is stored with a history row.
    The caller commits."""
    out: dict[int, Checklist] = {}
    for start in range(0, len(site_ids), CHUNK):
        chunk = list(site_ids[start : start + CHUNK])
        stored = {
            r.site_id: (r.status, r.status_since)
            for r in session.execute(_STORED.where(SiteRollout.site_id.in_(chunk)))
        }
        for site_id, facts in gather(session, chunk).items():
            items = evaluate(facts, settings, now)
            status = status_of(items, facts.first_accepted_at is not None)
            if status is RolloutStatus.accepted and facts.first_accepted_at is None:
                facts.first_accepted_at = now
            since = _store(session, site_id, status, facts.first_accepted_at, stored.get(site_id), now)
            out[site_id] = Checklist(site_id, status, since, facts.first_accepted_at, items, facts)
    return out


def evaluate_site(session: Session, settings: Settings, site_id: int, now: datetime) -> Checklist:
    return evaluate_sites(session, settings, [site_id], now)[site_id]


_STORED = select(SiteRollout.site_id, SiteRollout.status, SiteRollout.status_since)


def _store(
    session: Session,
    site_id: int,
    status: RolloutStatus,
    first: datetime | None,
    stored: tuple[str, datetime] | None,
    now: datetime,
) -> datetime:
    """Saves the status; returns since when the site has been in it."""
    if stored is None:
        try:
            with session.begin_nested():  # another process may be creating the same row right now
                session.add(
                    SiteRollout(
                        site_id=site_id, status=status, status_since=now, first_accepted_at=first, evaluated_at=now
                    )
                )
                session.flush()
        except IntegrityError:
            row = session.execute(_STORED.where(SiteRollout.site_id == site_id)).one()
            stored = (row.status, row.status_since)
        else:
            session.add(RolloutStatusChange(site_id=site_id, status=status, at=now))
            return now
    old_status, since = stored
    values: dict[str, object] = {"evaluated_at": now, "first_accepted_at": first}
    if old_status == status:
        session.execute(update(SiteRollout).where(SiteRollout.site_id == site_id).values(**values))
        return since
    # Conditional on the status we read: of two evaluators only one records the change.
    changed = session.execute(
        update(SiteRollout)
        .where(SiteRollout.site_id == site_id, SiteRollout.status == old_status)
        .values(status=status, status_since=now, **values)
        .execution_options(synchronize_session=False)
    )
    if getattr(changed, "rowcount", 0) == 1:
        session.add(RolloutStatusChange(site_id=site_id, status=status, at=now))
    return now


def refresh_if_due(session: Session, settings: Settings, now: datetime, force: bool = False) -> int:
    """Re-evaluates every site when the oldest evaluation is older than the refresh interval (or a site
    was never evaluated), so regressions are recorded when they happen, not when someone looks."""
    if not force:
        oldest = session.scalar(select(func.min(SiteRollout.evaluated_at)))
        missing = session.scalar(
            select(func.count()).select_from(Site).where(~Site.id.in_(select(SiteRollout.site_id)))
        )
        fresh = oldest is not None and oldest > now - timedelta(seconds=settings.rollout_refresh_interval_s)
        if fresh and not missing:
            return 0
    ids = list(session.scalars(select(Site.id).order_by(Site.id)))
    evaluate_sites(session, settings, ids, now)
    return len(ids)


def status_at(session: Session, site_ids: Sequence[int], at: datetime) -> dict[int, str]:
    """Each site's status at a past moment, from the history (sites not yet tracked then are absent)."""
    ranked = (
        select(
            RolloutStatusChange.site_id,
            RolloutStatusChange.status,
            func.row_number()
            .over(
                partition_by=RolloutStatusChange.site_id,
                order_by=(RolloutStatusChange.at.desc(), RolloutStatusChange.id.desc()),
            )
            .label("n"),
        )
        .where(RolloutStatusChange.site_id.in_(list(site_ids)), RolloutStatusChange.at <= at)
        .subquery()
    )
    rows = session.execute(select(ranked.c.site_id, ranked.c.status).where(ranked.c.n == 1))
    return {site_id: status for site_id, status in rows}
