"""The feed's SQL: audit rows after a cursor (the change feed), the bell's unread count and the read mark."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import OPEN_STATES, Alert, AlertAudit
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.feed.models import FeedReadMark
from brightkitchen.platform.feed.schemas import FeedEventPublic, UnreadItem, UnreadPublic
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.tenancy import site_scope

DROPDOWN_ITEMS = 8


@dataclass(frozen=True)
class FeedEvent:
    """One audited change of one alert, with what a subscriber needs to decide whether it may see it."""

    id: int  # the alert_audit row: the cursor
    alert_id: int
    site_id: int
    code: str
    state: str
    action: str
    at: datetime
    test: bool

    def public(self) -> FeedEventPublic:
        return FeedEventPublic(
            alert_id=self.alert_id, site_id=self.site_id, code=self.code, state=self.state,
            action=self.action, at=self.at, test=self.test,
        )  # fmt: skip


_EVENT_COLUMNS = (
    AlertAudit.id, AlertAudit.alert_id, Alert.site_id, Alert.code, AlertAudit.to_state,
    AlertAudit.action, AlertAudit.at, Alert.test,
)  # fmt: skip


def visible_sites(session: Session, principal: Principal) -> frozenset[int] | None:
    """The site ids a person may see; None for a platform-wide admin (every site, also ones made later)."""
    if principal.is_admin:
        return None
    return frozenset(session.scalars(select(Site.id).where(site_scope(principal))))


def max_audit_id(session: Session) -> int:
    return session.scalar(select(func.max(AlertAudit.id))) or 0


def audit_events(
    session: Session,
    *,
    after: int,
    also: Collection[int] = (),
    sites: frozenset[int] | None = None,
    limit: int = 1000,
) -> list[FeedEvent]:
    """Audit rows with an id above ``after`` (plus the ids in ``also``), oldest first, for ``sites`` (None: all)."""
    newer: ColumnElement[bool] = AlertAudit.id > after
    stmt = (
        select(*_EVENT_COLUMNS)
        .join(Alert, Alert.id == AlertAudit.alert_id)
        .where(or_(newer, AlertAudit.id.in_(list(also))) if also else newer)
        .order_by(AlertAudit.id)
        .limit(limit)
    )
    if sites is not None:
        stmt = stmt.where(Alert.site_id.in_(list(sites)))
    return [FeedEvent(*row) for row in session.execute(stmt).all()]


def _read_up_to(session: Session, user_id: int) -> int:
    mark = session.get(FeedReadMark, user_id)
    return mark.alert_id if mark else 0


def _open_in_scope(principal: Principal) -> list[ColumnElement[bool]]:
    # The same alerts the lists show by default: open ones, not the installers' test alerts.
    return [site_scope(principal), Alert.state.in_(OPEN_STATES), Alert.test.is_(False)]


def unread(session: Session, principal: Principal) -> UnreadPublic:
    up_to = _read_up_to(session, principal.id)
    where = _open_in_scope(principal)
    count = session.scalar(
        select(func.count()).select_from(Alert).join(Site, Site.id == Alert.site_id).where(*where, Alert.id > up_to)
    )
    rows = session.execute(
        select(Alert.id, Alert.site_id, Site.name, Alert.code, Alert.state, Alert.created_at)
        .join(Site, Site.id == Alert.site_id)
        .where(*where)
        .order_by(Alert.id.desc())
        .limit(DROPDOWN_ITEMS)
    ).all()
    items = [
        UnreadItem(id=r[0], site_id=r[1], site_name=r[2], code=r[3], state=r[4], created_at=r[5], unread=r[0] > up_to)
        for r in rows
    ]
    return UnreadPublic(
        count=count or 0,
        read_up_to=up_to,
        latest_alert_id=_latest_alert_id(session, principal),
        cursor=max_audit_id(session),
        items=items,
    )


def _latest_alert_id(session: Session, principal: Principal) -> int:
    stmt = select(func.max(Alert.id)).join(Site, Site.id == Alert.site_id).where(site_scope(principal))
    return session.scalar(stmt) or 0


def mark_read(session: Session, principal: Principal, up_to: int | None, now: datetime) -> None:
    """Moves the person's mark forward to ``up_to`` (or every alert in scope now); never back, and never past
    the newest alert in scope, so an id from the future cannot hide alerts not born yet."""
    latest = _latest_alert_id(session, principal)
    target = latest if up_to is None else min(up_to, latest)
    mark = session.get(FeedReadMark, principal.id, with_for_update=True)
    if mark is None:
        try:
            with session.begin_nested():  # two tabs marking at once: the second finds the first's row
                session.add(FeedReadMark(user_id=principal.id, alert_id=target, read_at=now))
            return
        except IntegrityError:
            mark = session.get(FeedReadMark, principal.id, with_for_update=True, populate_existing=True)
            assert mark is not None
    if target > mark.alert_id:
        mark.alert_id, mark.read_at = target, now
        session.flush()
