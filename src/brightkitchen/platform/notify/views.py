"""Notification channels (who is told what) and the outbox, failures included."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import ColumnElement, or_, select

from brightkitchen.platform.authz import Principal, region_path_clause
from brightkitchen.platform.deps import NowDep, SessionDep, SettingsDep, SiteManagerDep
from brightkitchen.platform.notify.dispatcher import target_policy
from brightkitchen.platform.notify.guard import BlockedTarget, check_target
from brightkitchen.platform.notify.models import ChannelKind, Notification, NotificationState, NotifyChannel
from brightkitchen.platform.notify.schemas import (
    NotificationPublic,
    NotifyChannelCreate,
    NotifyChannelPublic,
    NotifyChannelUpdate,
)
from brightkitchen.platform.notify.sendtest import SendTestResult, send_test
from brightkitchen.platform.pagination import Page, PageParams, page_params, paginate
from brightkitchen.platform.problems import Problem, forbidden, not_found
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.roles import Role
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites import service as sites
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.sorting import SortParam, sorted_by
from brightkitchen.platform.tenancy import can_see_region, subtree_ids, visible_region, visible_site_ids

router = APIRouter(tags=["notifications"])


def _visible(principal: Principal) -> ColumnElement[bool]:
    regions = select(Region.id).where(region_path_clause(principal, Region.path))
    return or_(NotifyChannel.site_id.in_(visible_site_ids(principal)), NotifyChannel.region_id.in_(regions))


MASK = "***"
SORTS = {"name": NotifyChannel.name, "kind": NotifyChannel.kind, "created_at": NotifyChannel.created_at}


def masked_target(kind: str, target: str) -> str:
    """A robot URL carries its key in the query (WeCom ``key=``, DingTalk ``access_token=``) and may carry a
    password before the host: both are write-only, so the answer shows where it goes, not how to post there."""
    if kind == ChannelKind.email:
        return target
    try:
        parts = urlsplit(target)
        host = parts.hostname or ""
        netloc = f"{MASK}@{host}" if parts.username or parts.password else host
        if parts.port:
            netloc += f":{parts.port}"
    except ValueError:
        return MASK
    query = urlencode([(k, MASK if v else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _public(channel: NotifyChannel) -> NotifyChannelPublic:
    skip = ("has_secret", "target")
    data = {k: getattr(channel, k) for k in NotifyChannelPublic.model_fields if k not in skip}
    return NotifyChannelPublic(
        **data, target=masked_target(channel.kind, channel.target), has_secret=bool(channel.secret)
    )


def _get(session: SessionDep, principal: Principal, channel_id: int) -> NotifyChannel:
    channel = session.scalar(select(NotifyChannel).where(NotifyChannel.id == channel_id, _visible(principal)))
    if channel is None:
        raise not_found("notification channel")
    return channel


def _check_target(principal: Principal, settings: Settings, kind: str, target: str) -> None:
    """An outbound URL must lead to an allowed address; school admins set one only where the operator lets
    them (notify_school_admin_outbound), since a URL is a way to make the platform send requests."""
    if kind == ChannelKind.email:
        return
    if principal.has_role(Role.school_admin) and not settings.notify_school_admin_outbound:
        raise forbidden("school admins may add e-mail channels only; ask the regulator for a robot or webhook")
    try:
        check_target(target, target_policy(settings))
    except BlockedTarget as exc:
        detail = f"target: {exc}"
        raise Problem(422, "Invalid request", detail, errors=[{"field": "target", "message": str(exc)}]) from None


@router.get("/notify-channels", response_model=Page[NotifyChannelPublic], summary="Channels the caller may manage")
def list_channels(
    principal: SiteManagerDep,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    kind: ChannelKind | None = None,
    site_id: int | None = None,
    region_id: Annotated[int | None, Query(description="channels of this region's subtree and its sites")] = None,
    enabled: bool | None = None,
    q: Annotated[str | None, Query(max_length=64, description="name contains")] = None,
    sort: SortParam = None,
) -> Page[NotifyChannelPublic]:
    stmt = sorted_by(select(NotifyChannel).where(_visible(principal)), sort, SORTS, NotifyChannel.id)
    if kind is not None:
        stmt = stmt.where(NotifyChannel.kind == kind)
    if site_id is not None:
        stmt = stmt.where(NotifyChannel.site_id == site_id)
    if region_id is not None:
        subtree = subtree_ids(visible_region(session, principal, region_id))
        sites = select(Site.id).where(Site.region_id.in_(subtree))
        stmt = stmt.where(or_(NotifyChannel.site_id.in_(sites), NotifyChannel.region_id.in_(subtree)))
    if enabled is not None:
        stmt = stmt.where(NotifyChannel.enabled == enabled)
    if q:
        stmt = stmt.where(NotifyChannel.name.contains(q, autoescape=True))
    rows, total = paginate(session, stmt, params)
    return Page.of([_public(c) for c in rows], total, params)


@router.post("/notify-channels", response_model=NotifyChannelPublic, status_code=status.HTTP_201_CREATED)
def create_channel(
    body: NotifyChannelCreate, principal: SiteManagerDep, session: SessionDep, settings: SettingsDep
) -> NotifyChannelPublic:
    if body.site_id is not None:
        sites.get_visible(session, principal, body.site_id)
    elif body.region_id is None or not can_see_region(session, principal, body.region_id):
        raise forbidden("that region is outside your scope")
    _check_target(principal, settings, body.kind, body.target)
    data = body.model_dump()
    channel = NotifyChannel(**data)
    session.add(channel)
    session.flush()
    return _public(channel)


@router.patch("/notify-channels/{channel_id}", response_model=NotifyChannelPublic)
def update_channel(
    channel_id: int, body: NotifyChannelUpdate, principal: SiteManagerDep, session: SessionDep, settings: SettingsDep
) -> NotifyChannelPublic:
    channel = _get(session, principal, channel_id)
    if body.target is not None:
        _check_target(principal, settings, channel.kind, body.target)
    for key, value in body.model_dump(exclude_unset=True).items():
        setattr(channel, key, value)
    return _public(channel)


@router.post(
    "/notify-channels/{channel_id}/test",
    response_model=SendTestResult,
    summary="Send a test message to the channel now; the answer says whether it arrived, or why not",
)
def test_channel(
    now: NowDep, channel_id: int, principal: SiteManagerDep, session: SessionDep, settings: SettingsDep
) -> SendTestResult:
    channel = _get(session, principal, channel_id)
    session.commit()  # nothing to write: end the transaction before the (up to notify_timeout_s) wait outside
    return send_test(channel, settings, now)


@router.delete("/notify-channels/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_channel(channel_id: int, principal: SiteManagerDep, session: SessionDep) -> None:
    session.delete(_get(session, principal, channel_id))


@router.get("/notifications", response_model=Page[NotificationPublic], summary="The outbox; ?state=failed")
def list_notifications(
    principal: SiteManagerDep,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    state: NotificationState | None = None,
    channel_id: int | None = None,
    alert_id: int | None = None,
) -> Page[NotificationPublic]:
    stmt = (
        select(Notification)
        .join(NotifyChannel, NotifyChannel.id == Notification.channel_id)
        .where(_visible(principal))
        .order_by(Notification.id.desc())
    )
    if state is not None:
        stmt = stmt.where(Notification.state == state)
    if channel_id is not None:
        stmt = stmt.where(Notification.channel_id == channel_id)
    if alert_id is not None:
        stmt = stmt.where(Notification.alert_id == alert_id)
    rows, total = paginate(session, stmt, params)
    items = [NotificationPublic.model_validate(n) for n in rows]
    return Page.of(items, total, params)


@router.post("/notifications/{notification_id}/retry", response_model=NotificationPublic)
def retry(now: NowDep, notification_id: int, principal: SiteManagerDep, session: SessionDep) -> NotificationPublic:
    """Puts a failed (or waiting) message back at the head of the queue."""
    row = session.scalar(
        select(Notification)
        .join(NotifyChannel, NotifyChannel.id == Notification.channel_id)
        .where(Notification.id == notification_id, _visible(principal))
    )
    if row is None:
        raise not_found("notification")
    if row.state != NotificationState.sent:
        row.state, row.next_attempt_at, row.attempts = NotificationState.pending, now, 0
    return NotificationPublic.model_validate(row)
