"""Delivers the outbox to the platform, oldest first, each event under its own edge-made ``event_id``.

What a response means (the device API contract):
- 201 new / 200 duplicate: delivered (a retry of an event that had arrived is answered 200, not doubled).
- 429, 5xx, network errors: retry after capped exponential backoff with jitter, at least Retry-After.
  The whole uploader waits, not just that event: the platform is busy or down for everyone.
- 401/403: the device key is refused. Stop, keep every event, say so, and try again only rarely.
- 400/413/415/422: this event will never be accepted: it is marked dead (kept, counted, reported).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from enum import StrEnum

import httpx
from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.edge.clock import Clock
from brightkitchen.edge.outbox import Outbox
from brightkitchen.edge.platform_client import PlatformClient
from brightkitchen.edge.sources.base import Backoff

log = logging.getLogger(__name__)

DEAD_STATUSES = frozenset({400, 413, 415, 422})
AUTH_STATUSES = frozenset({401, 403})


class UploaderOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    backoff_initial_s: float = Field(default=1.0, gt=0, le=60)
    backoff_max_s: float = Field(default=300.0, gt=0, le=3600)
    auth_retry_s: float = Field(default=600.0, gt=0, le=86400, description="retry after 401/403 this rarely")
    retry_after_max_s: float = Field(default=3600.0, gt=0, le=86400)


class UploadState(StrEnum):
    idle = "idle"
    retrying = "retrying"
    auth_failed = "auth_failed"


@dataclass(frozen=True)
class UploadStatus:
    state: UploadState
    last_error: str | None
    delivered: int
    duplicates: int


def retry_after_s(value: str | None, now: float) -> float | None:
    """Retry-After as delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


class Uploader:
    def __init__(self, outbox: Outbox, client: PlatformClient, opts: UploaderOptions, clock: Clock) -> None:
        self.outbox, self.client, self.opts, self.clock = outbox, client, opts, clock
        self._backoff = Backoff(opts.backoff_initial_s, opts.backoff_max_s)
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="uploader", daemon=True)
        self._status = UploadStatus(UploadState.idle, None, 0, 0)

    @property
    def status(self) -> UploadStatus:
        return self._status

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            pause = self.step()
            if pause > 0:
                self._wake.wait(pause)

    def step(self) -> float:
        """Try the next due event. Returns how long to wait before the next try (0: go on at once)."""
        now = self.clock.now()
        item = self.outbox.next_due(now)
        if item is None:
            nxt = self.outbox.next_attempt_at()
            return 5.0 if nxt is None else min(max(nxt - now, 0.05), 5.0)
        try:
            resp = self.client.post_event(item)
        except (httpx.HTTPError, OSError) as exc:
            return self._retry(item.event_id, f"{type(exc).__name__}: {exc}", None)
        code = resp.status_code
        if code in (200, 201):
            body = _json(resp)
            self.outbox.mark_delivered(item.event_id, _str(body.get("alert_id")), self.clock.now())
            self._backoff.reset()
            s = self._status
            self._status = UploadStatus(
                UploadState.idle, None, s.delivered + (code == 201), s.duplicates + (code == 200)
            )
            return 0.0
        detail = f"HTTP {code}: {resp.text[:200]}"
        if code in AUTH_STATUSES:
            log.error("device key refused (%s); events kept, next try in %ss", code, self.opts.auth_retry_s)
            self.outbox.postpone_all(self.clock.now() + self.opts.auth_retry_s)
            self._status = replace(self._status, state=UploadState.auth_failed, last_error=detail)
            return self.opts.auth_retry_s
        if code in DEAD_STATUSES:
            log.error("event %s permanently refused: %s", item.event_id, detail)
            self.outbox.mark_dead(item.event_id, detail)
            return 0.0
        return self._retry(item.event_id, detail, retry_after_s(resp.headers.get("Retry-After"), self.clock.now()))

    def _retry(self, event_id: str, error: str, retry_after: float | None) -> float:
        delay = self._backoff.next_delay()
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.opts.retry_after_max_s))
        log.warning("upload of %s failed (%s); next try in %.1fs", event_id, error, delay)
        self.outbox.mark_retry(event_id, error, self.clock.now() + delay)
        self._status = replace(self._status, state=UploadState.retrying, last_error=error)
        return delay


def _json(resp: httpx.Response) -> dict[str, object]:
    try:
        body = resp.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _str(value: object) -> str | None:
    return None if value is None else str(value)
