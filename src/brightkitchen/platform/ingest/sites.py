"""What an event needs to know about its sender's site (its code, its region, its cameras), kept in process for
a short while: a busy camera's events then skip a three-table read each. Only a positive answer is trusted from
memory; a refusal (another site's code, an unknown camera) is always re-read first, so a camera or site added a
moment ago is never refused. A stale positive lasts at most ``ttl_s``; a camera deleted meanwhile fails its
foreign key, and the caller then forgets the site (``forget``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.problems import Problem
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.sites.models import Camera, Site

TTL_S = 120.0  # a busy camera's site is read again every two minutes, not on every event
MAX_SITES = 100_000  # a province is ~27,000 sites; past this the cache starts over rather than grow


@dataclass(frozen=True)
class SiteFacts:
    code: str
    region_path: str
    cameras: dict[str, int]  # camera key -> camera id


@dataclass(frozen=True)
class Sender:
    """Where an accepted event goes: its site's region and its camera."""

    region_path: str
    camera_id: int


def read_site(session: Session, site_id: int) -> SiteFacts:
    """One round trip: the site's code and region path, and every camera of the site (a handful)."""
    rows = session.execute(
        select(Site.code, Region.path, Camera.key, Camera.id)
        .join(Region, Region.id == Site.region_id)
        .outerjoin(Camera, Camera.site_id == Site.id)
        .where(Site.id == site_id)
    ).all()
    if not rows:
        raise Problem(403, "Forbidden", "a device may upload only for its own site", code="wrong_site")
    return SiteFacts(rows[0].code, rows[0].path, {r.key: r.id for r in rows if r.id is not None})


class SiteCache:
    """Per process; thread-safe (the request threads share it)."""

    def __init__(self, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._facts: dict[int, tuple[float, SiteFacts]] = {}

    def sender(self, session: Session, site_id: int, site_code: str, camera_key: str) -> Sender:
        """The event's camera at the device's site, or 403 (another site's code) / 404 (no such camera)."""
        cached = self._cached(site_id)
        if cached is not None and cached.code == site_code and camera_key in cached.cameras:
            return Sender(cached.region_path, cached.cameras[camera_key])
        facts = read_site(session, site_id)
        self._keep(site_id, facts)
        return _judge(facts, site_code, camera_key)

    def forget(self, site_id: int) -> None:
        with self._lock:
            self._facts.pop(site_id, None)

    def _cached(self, site_id: int) -> SiteFacts | None:
        entry = self._facts.get(site_id)  # a dict read is atomic; only writers take the lock
        if entry is None or self._clock() - entry[0] > self.ttl_s:
            return None
        return entry[1]

    def _keep(self, site_id: int, facts: SiteFacts) -> None:
        with self._lock:
            if len(self._facts) >= MAX_SITES:
                self._facts.clear()
            self._facts[site_id] = (self._clock(), facts)


def uncached_sender(session: Session, site_id: int, site_code: str, camera_key: str) -> Sender:
    return _judge(read_site(session, site_id), site_code, camera_key)


def _judge(facts: SiteFacts, site_code: str, camera_key: str) -> Sender:
    if facts.code != site_code:
        raise Problem(403, "Forbidden", "a device may upload only for its own site", code="wrong_site")
    camera_id = facts.cameras.get(camera_key)
    if camera_id is None:
        raise Problem(404, "Not found", f"camera '{camera_key}' is not registered at this site",
                      code="unknown_camera")  # fmt: skip
    return Sender(facts.region_path, camera_id)
