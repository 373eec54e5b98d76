"""Device keys a worker has already checked, so a hot device request needs no database read to authenticate.

A key found valid is trusted for ``device_auth_cache_s`` seconds at most: a key revoked or replaced (or a device
deleted) in the meantime keeps working in a worker that had it cached until that time runs out, never longer.
Sooner for a device that sends heartbeats: the worker's next heartbeat write reads the device row anyway, finds
the key no longer valid, drops it from the cache and skips the report, so the next request gets 401. A key found
unknown is remembered as refused for a shorter while (at most ``NEGATIVE_S``), so a misconfigured device
hammering with a wrong key costs no query per request either; a key issued in that short while may be refused
until it runs out. Only device keys are cached, keyed by their digest; both maps are bounded.

A stolen key is revoked to stop a sender that may never send heartbeats, so the hot endpoints that read the
database anyway (events, pictures, video) also sweep: every ``SWEEP_S`` one of them asks which devices were
revoked or re-keyed lately and drops their keys, so a revocation reaches every worker on every host within
seconds whatever the cache time. The window looked back over is generous (``SWEEP_MARGIN``) because the
revoking host's clock may run ahead of this one's. Of the devices changed in that window only those whose
cached key is no longer their key (revoked, replaced) are dropped: a fleet given its keys minutes ago would
otherwise be dropped at every sweep and read from the database again and again.

The sweep also loads every valid device key at once when the worker has none loaded yet and again every half
``device_auth_cache_s`` (one query of a few columns, ``load``): a worker restarted under a province's 27,000
devices would otherwise read the database once per device before its cache is warm, and each key again when
its time runs out. Keys issued since the last load are checked one by one as before."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from fastapi import FastAPI
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.devices.models import Device

K = TypeVar("K")
V = TypeVar("V")

MAX_KEYS = 100_000  # a province's devices, with room to spare
MAX_REFUSED = 10_000
NEGATIVE_S = 2.0
SWEEP_S = 5.0
SWEEP_MARGIN = timedelta(seconds=60)


class DeviceKeyCache:
    def __init__(
        self, ttl_s: float, *, max_keys: int = MAX_KEYS, max_refused: int = MAX_REFUSED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.ttl_s, self.negative_s = ttl_s, min(ttl_s, NEGATIVE_S)
        self.max_keys, self.max_refused, self.clock = max_keys, max_refused, clock
        self._valid: dict[str, tuple[Principal, float]] = {}
        self._by_device: dict[int, str] = {}  # device id -> its cached key's digest
        self._refused: dict[str, float] = {}
        self._lock = threading.Lock()
        self._swept_at = float("-inf")  # monotonic: when the last sweep was claimed
        self._swept_since: datetime | None = None  # wall clock: what the last sweep covered up to
        self._loaded_at = float("-inf")  # monotonic: when every key was last loaded

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0

    def get(self, digest: str) -> Principal | bool | None:
        """The cached principal, False if the key was refused a moment ago, None if not known here."""
        now = self.clock()
        with self._lock:
            hit = self._valid.get(digest)
            if hit is not None:
                if hit[1] > now:
                    return hit[0]
                del self._valid[digest]
            until = self._refused.get(digest)
            if until is not None:
                if until > now:
                    return False
                del self._refused[digest]
        return None

    def put(self, digest: str, principal: Principal) -> None:
        with self._lock:
            self._put(digest, principal, self.clock() + self.ttl_s)

    def _put(self, digest: str, principal: Principal, expires: float) -> None:
        self._refused.pop(digest, None)
        previous = self._by_device.get(principal.id)
        if previous is not None and previous != digest:
            self._valid.pop(previous, None)  # a device has one key: the one just checked
        _bounded_put(self._valid, digest, (principal, expires), self.max_keys)
        _bounded_put(self._by_device, principal.id, digest, self.max_keys)

    def load(self, session: Session) -> int:
        """Caches the key of every device that has a valid one (at most ``max_keys``); returns how many."""
        rows = session.execute(
            select(Device.id, Device.site_id, Device.key_hash)
            .where(Device.key_hash.is_not(None), Device.revoked_at.is_(None))
            .order_by(Device.id)
            .limit(self.max_keys)
        ).all()
        expires = self.clock() + self.ttl_s
        with self._lock:
            for device_id, site_id, key_hash in rows:
                if key_hash is not None:  # (the query's condition: mypy cannot see it)
                    self._put(key_hash, Principal("device", device_id, None, None, None, site_id), expires)
        return len(rows)

    def refuse(self, digest: str) -> None:
        """Forgets a key the database refused (a revoked one is dropped at once in this worker)."""
        with self._lock:
            self._valid.pop(digest, None)
            if self.negative_s > 0:
                _bounded_put(self._refused, digest, self.clock() + self.negative_s, self.max_refused)

    def forget_devices(self, device_ids: list[int]) -> None:
        """Drops the keys of devices found revoked, re-keyed or deleted (the heartbeat write tells)."""
        with self._lock:
            for device_id in device_ids:
                digest = self._by_device.pop(device_id, None)
                if digest is not None:
                    self._valid.pop(digest, None)

    def sweep_due(self) -> bool:
        """Whether a sweep is due (without claiming it): callers that cannot wait on the database then take the
        path that can."""
        return self.enabled and self.clock() - self._swept_at >= SWEEP_S

    def claim_sweep(self) -> bool:
        """True for the one caller that should sweep now (at most one per ``SWEEP_S`` in this worker)."""
        if not self.enabled:
            return False
        now = self.clock()
        with self._lock:
            if now - self._swept_at < SWEEP_S:
                return False
            self._swept_at = now
            return True

    def sweep(self, session: Session, now: datetime) -> list[int]:
        """Loads every valid key when that is due, then drops the cached keys that are no longer their device's
        key, of the devices revoked or re-keyed since the last sweep (with the margin); returns the ids of
        those devices."""
        if self.clock() - self._loaded_at >= self.ttl_s / 2:
            self._loaded_at = self.clock()
            self.load(session)
        since = (self._swept_since or now - timedelta(seconds=self.ttl_s)) - SWEEP_MARGIN
        rows = session.execute(
            select(Device.id, Device.key_hash, Device.revoked_at).where(
                or_(Device.revoked_at >= since, Device.key_issued_at >= since)
            )
        )
        with self._lock:
            stale = [
                device_id
                for device_id, key_hash, revoked_at in rows
                if device_id in self._by_device and (revoked_at is not None or key_hash != self._by_device[device_id])
            ]
        self.forget_devices(stale)
        self._swept_since = now
        return stale

    def __len__(self) -> int:
        return len(self._valid)


def _bounded_put(store: dict[K, V], key: K, value: V, limit: int) -> None:
    store.pop(key, None)  # re-inserted at the end: the oldest entries are the first ones
    while len(store) >= limit:
        del store[next(iter(store))]
    store[key] = value


_create_lock = threading.Lock()


def key_cache_for(app: FastAPI) -> DeviceKeyCache:
    """The app's cache, made on first use from its settings (tests may set ``app.state.device_key_cache``)."""
    cache: DeviceKeyCache | None = getattr(app.state, "device_key_cache", None)
    if cache is None:
        with _create_lock:
            cache = getattr(app.state, "device_key_cache", None)
            if cache is None:
                cache = DeviceKeyCache(app.state.ctx.settings.device_auth_cache_s)
                app.state.device_key_cache = cache
    return cache
