"""The shared poller: ids that commit out of order are still delivered, and a gap that never fills is dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertAudit
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.feed.hub import GAP_HOLD_S, FeedHub
from brightkitchen.platform.feed.service import FeedEvent
from tests import factories as f
from tests.platform.feed.sse import open_stream


def ev(audit_id: int) -> FeedEvent:
    return FeedEvent(audit_id, audit_id, 1, "no_mask", "new", "create", datetime.now(UTC), False)


def test_skipped_ids_are_asked_for_again_until_they_come_or_expire(ctx: PlatformContext) -> None:
    hub = FeedHub(ctx.sessions)
    hub.cursor = 10
    hub._advance([ev(11), ev(14)], now=100.0)
    assert (hub.cursor, sorted(hub._gaps)) == (14, [12, 13])
    hub._advance([ev(12), ev(15)], now=101.0)  # 12 committed late
    assert (hub.cursor, sorted(hub._gaps)) == (15, [13])
    hub._advance([], now=100.0 + GAP_HOLD_S + 1)  # 13 was rolled back: never comes
    assert hub._gaps == {}


def test_an_earlier_id_committed_later_still_reaches_the_stream(
    server: str, session: Session, ctx: PlatformContext, world: f.World, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("SQLite has one writer at a time: ids cannot commit out of order")
    headers = f.bearer(session, "sa_a1")
    with open_stream(server, headers) as s, ctx.sessions() as slow:
        # A transaction takes its ids, then another commits after it and gets the higher ones.
        now = datetime.now(UTC)
        early = Alert(
            event_id="ev-slow", site_id=world.site_a1.id, code="no_mask", state="new", started_at=now, ended_at=now,
            created_at=now, deadline_at=now + timedelta(hours=24), escalate_at=now + timedelta(hours=48),
        )  # fmt: skip
        slow.add(early)
        slow.flush()
        slow.add(
            AlertAudit(alert_id=early.id, at=early.created_at, action="create", actor_kind="system", to_state="new")
        )
        slow.flush()
        later = f.alert(session, world.site_a1, state="new")
        first = s.until(lambda e: e.event == "alert")[-1]
        assert first.data["alert_id"] == later.id
        slow.commit()
        second = s.until(lambda e: e.event == "alert")[-1]
        assert second.data["alert_id"] == early.id
        assert second.id is not None and first.id is not None and second.id < first.id
