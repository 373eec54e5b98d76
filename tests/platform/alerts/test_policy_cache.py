"""The process's copy of the deadline and episode policies: the most specific policy wins as the tables say, a
write through the ORM drops the copy at its commit, a copy older than the TTL is read again, and a read that
raced an invalidation is not kept."""

from __future__ import annotations

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts import policy_cache
from brightkitchen.platform.alerts.deadlines import policy_hours
from brightkitchen.platform.alerts.episodes import episode_rule
from brightkitchen.platform.alerts.models import DeadlinePolicy, EpisodePolicy
from brightkitchen.platform.alerts.policy_cache import POLICIES_INFO, Policies, PolicyCache, read_policies
from brightkitchen.platform.context import PlatformContext
from tests import factories as f


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_the_deepest_region_then_the_exact_code_wins(ctx: PlatformContext, session: Session) -> None:
    w = f.world(session)
    session.add_all([
        DeadlinePolicy(region_id=w.city.id, code="smoking", rectify_hours=1, escalate_hours=2),
        DeadlinePolicy(region_id=w.district_a.id, code="*", rectify_hours=3, escalate_hours=4),
        EpisodePolicy(region_id=w.city.id, code="*", min_duration_s=5, gap_s=60),
    ])  # fmt: skip
    session.commit()
    path = w.street_a.path
    assert policy_hours(session, ctx.settings, path, "smoking") == (3, 4)  # the district's "*" beats the city
    assert policy_hours(session, ctx.settings, w.street_b.path, "smoking") == (1, 2)
    defaults = (ctx.settings.rectify_hours_default, ctx.settings.escalate_hours_default)
    assert policy_hours(session, ctx.settings, w.street_b.path, "no_mask") == defaults
    assert episode_rule(session, ctx.settings, path, "no_mask").gap_s == 60


def test_a_policy_written_in_this_process_applies_at_once(ctx: PlatformContext, session: Session) -> None:
    w = f.world(session)
    assert isinstance(session.info[POLICIES_INFO], PolicyCache)
    before = episode_rule(session, ctx.settings, w.street_a.path, "no_mask")
    assert before.gap_s == ctx.settings.episode_gap_s
    session.add(EpisodePolicy(region_id=w.city.id, code="no_mask", min_duration_s=0, gap_s=42))
    session.commit()
    with ctx.sessions() as other:  # another request of the same process
        assert episode_rule(other, ctx.settings, w.street_a.path, "no_mask").gap_s == 42


def test_a_change_from_elsewhere_is_seen_after_the_ttl(ctx: PlatformContext, session: Session) -> None:
    w = f.world(session)
    session.add(DeadlinePolicy(region_id=w.city.id, code="*", rectify_hours=6, escalate_hours=12))
    session.commit()
    clock = Clock()
    cache = PolicyCache(ttl_s=10, clock=clock)
    assert cache.get(session).deadlines[(w.city.id, "*")] == (6, 12)
    # Another process deletes it: a Core statement, which this process's sessions do not watch.
    session.execute(delete(DeadlinePolicy))
    session.commit()
    clock.t = 9.0
    assert (w.city.id, "*") in cache.get(session).deadlines  # still the copy
    clock.t = 10.5
    assert cache.get(session).deadlines == {}


def test_a_read_that_raced_an_invalidation_is_not_kept(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = PolicyCache(ttl_s=10, clock=Clock())

    def read_while_a_write_commits(s: Session) -> Policies:
        found = read_policies(s)
        cache.invalidate()  # a policy committed while this read was under way: what it found may be old
        return found

    monkeypatch.setattr(policy_cache, "read_policies", read_while_a_write_commits)
    cache.get(session)
    assert cache._entry is None  # answered, not kept: the next request reads again
    monkeypatch.setattr(policy_cache, "read_policies", read_policies)
    cache.get(session)
    assert cache._entry is not None
