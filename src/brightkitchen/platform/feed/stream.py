"""The bytes of one open ``text/event-stream``: the catch-up, then live events, keep-alives and a goodbye."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from brightkitchen.platform.feed.hub import FeedHub, Subscriber
from brightkitchen.platform.feed.service import FeedEvent

KEEPALIVE_S = 15.0  # a comment line this often: proxies and the browser's watchdog see the stream is alive
RECHECK_S = 30.0  # the token is checked again (revoked, expired, disabled) and the visible sites re-read
MAX_AGE_S = 300.0  # then the client is asked to reconnect: a stream never outlives its checks for long
RETRY_MS = 3000


@dataclass(frozen=True)
class Recheck:
    """What checking the token again found: still signed in, and the sites visible now (None: all)."""

    signed_in: bool
    sites: frozenset[int] | None = None


Rechecker = Callable[[], Awaitable[Recheck]]


def frame(event: str, data: object, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


def alert_frame(event: FeedEvent) -> bytes:
    return frame("alert", event.public().model_dump(mode="json"), event.id)


async def event_stream(
    hub: FeedHub,
    sub: Subscriber,
    backlog: list[FeedEvent],
    reset_to: int | None,
    recheck: Rechecker,
) -> AsyncIterator[bytes]:
    """``backlog``: what happened since the client's Last-Event-ID; ``reset_to``: set instead when that was
    too much to replay (the client reloads what it shows and carries on from that id)."""
    try:
        yield f"retry: {RETRY_MS}\n: connected\n\n".encode()
        if reset_to is not None:
            yield frame("reset", {}, reset_to)
        for event in backlog:
            yield alert_frame(event)
        replayed = {event.id for event in backlog}  # the poller may hand some of these over again
        started = last_check = time.monotonic()
        while True:
            await sub.wait(KEEPALIVE_S)
            events, overflowed = sub.take()
            if overflowed:
                yield frame("reset", {}, hub.cursor)
            fresh = [e for e in events if e.id not in replayed]
            for event in fresh:
                yield alert_frame(event)
            if not events and not overflowed:
                yield b": keep-alive\n\n"
            now = time.monotonic()
            if now - last_check >= RECHECK_S:
                verdict = await recheck()
                if not verdict.signed_in:
                    yield frame("bye", {"reason": "unauthorized"})
                    return
                sub.sites = verdict.sites
                last_check = now
            if now - started >= MAX_AGE_S:
                yield frame("bye", {"reason": "reconnect"})
                return
    finally:
        hub.unsubscribe(sub)
