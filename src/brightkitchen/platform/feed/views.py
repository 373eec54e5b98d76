"""The feed API: ``GET /feed/stream`` (server-sent events), ``GET /feed/unread`` and ``POST /feed/read``."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.deps import Authenticator, NowDep, SessionDep, UserDep
from brightkitchen.platform.feed import service
from brightkitchen.platform.feed.hub import FeedHub, TooManyStreams
from brightkitchen.platform.feed.schemas import ReadCreate, UnreadPublic
from brightkitchen.platform.feed.service import FeedEvent
from brightkitchen.platform.feed.stream import Recheck, event_stream
from brightkitchen.platform.problems import Problem

log = logging.getLogger(__name__)
router = APIRouter(prefix="/feed", tags=["feed"])

BACKLOG_LIMIT = 500  # more missed changes than this: the client reloads instead of replaying them
MAX_ID = 2**63 - 1

_STREAM_DOC = {
    200: {
        "description": "`text/event-stream`: `event: alert` (id = audit id, data = FeedEventPublic), "
        "`event: reset` (reload what you show), `event: bye` (reconnect; reason `unauthorized`: sign in again); "
        "a comment line every 15 s",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    429: {"description": "too many open streams for this person (code `too_many_streams`): poll /feed/unread"},
}


def feed_hub(request: Request) -> FeedHub:
    """The process's one hub, made on first use (nothing runs until a stream opens)."""
    hub: FeedHub | None = getattr(request.app.state, "feed_hub", None)
    if hub is None:
        ctx: PlatformContext = request.app.state.ctx
        hub = request.app.state.feed_hub = FeedHub(ctx.sessions)
    return hub


HubDep = Annotated[FeedHub, Depends(feed_hub)]


def _resume_point(last_event_id: str | None, after: int | None) -> int | None:
    if last_event_id is None or not last_event_id.strip():
        return after
    text = last_event_id.strip()
    if not text.isascii() or not text.isdigit() or int(text) > MAX_ID:
        raise Problem(
            422,
            "Invalid request",
            "Last-Event-ID must be the id of an event this stream sent (a whole number)",
            errors=[{"field": "Last-Event-ID", "message": "not a whole number", "type": "int_parsing"}],
            code="invalid_last_event_id",
        )
    return int(text)


def _visible(principal: UserDep, session: SessionDep) -> frozenset[int] | None:
    return service.visible_sites(session, principal)


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses=_STREAM_DOC,  # type: ignore[arg-type]
    summary="Alert changes in the caller's scope as server-sent events (resumable by Last-Event-ID)",
)
async def stream(
    request: Request,
    principal: UserDep,
    sites: Annotated[frozenset[int] | None, Depends(_visible)],
    hub: HubDep,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="resume after this event id")] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", include_in_schema=False)] = None,
) -> StreamingResponse:
    resume = _resume_point(last_event_id, after)
    ctx: PlatformContext = request.app.state.ctx
    try:
        sub = await hub.subscribe(principal.id, sites)
    except TooManyStreams as exc:
        raise Problem(
            429, "Too many streams", "This account has too many live connections open; close a tab",
            headers={"Retry-After": "300"}, code="too_many_streams",
        ) from exc  # fmt: skip
    try:
        backlog, reset_to = ([], None) if resume is None else await run_in_threadpool(_catch_up, ctx, resume, sub.sites)
    except BaseException:
        hub.unsubscribe(sub)
        raise
    token = (request.headers.get("authorization") or "").partition(" ")[2].strip()
    authenticate: Authenticator = request.app.state.authenticate

    async def recheck() -> Recheck:
        return await run_in_threadpool(_recheck, ctx, authenticate, token, sub.sites)

    return StreamingResponse(
        event_stream(hub, sub, backlog, reset_to, recheck),
        media_type="text/event-stream",
        # no-transform and X-Accel-Buffering: proxies must pass each event on at once, not buffer or compress it.
        headers={"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"},
    )


def _catch_up(ctx: PlatformContext, after: int, sites: frozenset[int] | None) -> tuple[list[FeedEvent], int | None]:
    with ctx.sessions() as session:
        events = service.audit_events(session, after=after, sites=sites, limit=BACKLOG_LIMIT + 1)
        if len(events) > BACKLOG_LIMIT:
            return [], service.max_audit_id(session)
        return events, None


def _recheck(ctx: PlatformContext, authenticate: Authenticator, token: str, current: frozenset[int] | None) -> Recheck:
    try:
        with ctx.sessions() as session:
            return Recheck(True, service.visible_sites(session, authenticate(session, token, utcnow())))
    except Problem:
        return Recheck(False)
    except Exception:
        log.warning("feed: could not recheck a stream's token; keeping it open", exc_info=True)
        return Recheck(True, current)


@router.get("/unread", response_model=UnreadPublic, summary="The bell: open alerts not yet read, and the newest few")
def get_unread(principal: UserDep, session: SessionDep) -> UnreadPublic:
    return service.unread(session, principal)


@router.post("/read", response_model=UnreadPublic, summary="Mark alerts read up to an id (omitted: all in scope now)")
def mark_read(
    principal: UserDep,
    session: SessionDep,
    now: NowDep,
    body: Annotated[ReadCreate | None, Body()] = None,
) -> UnreadPublic:
    service.mark_read(session, principal, body.up_to if body else None, now)
    return service.unread(session, principal)
