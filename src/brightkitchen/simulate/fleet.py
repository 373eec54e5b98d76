"""The simulated edge servers: heartbeats and violations with real evidence, some cameras flapping,
a few devices with skewed clocks or sending every event twice. Asyncio, one task per device."""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from brightkitchen.protocol import (
    CameraHealth,
    CameraStatus,
    EvidenceKind,
    EvidenceRef,
    Heartbeat,
    ViolationCode,
    ViolationEvent,
)
from brightkitchen.protocol.v1 import Box
from brightkitchen.simulate.provision import SimSite

SIM_CODES = (ViolationCode.no_mask, ViolationCode.phone_use, ViolationCode.intrusion, ViolationCode.rodent)


@dataclass(frozen=True)
class Evidence:
    jpeg: bytes
    mp4: bytes
    width: int
    height: int


@dataclass
class Tally:
    events_sent: int = 0
    events_created: int = 0
    events_duplicate: int = 0
    events_failed: int = 0
    heartbeats_sent: int = 0
    heartbeats_failed: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    event_ids: set[str] = field(default_factory=set)
    accepted_ids: set[str] = field(default_factory=set)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


@dataclass(frozen=True)
class FleetPlan:
    duration_s: float
    events_per_site_per_hour: float
    heartbeat_interval_s: float = 30.0
    skewed_fraction: float = 0.05
    duplicating_fraction: float = 0.05
    flapping_fraction: float = 0.1
    seed: int = 7


def _event(site: SimSite, camera: str, code: ViolationCode, skew: timedelta, ev: Evidence) -> ViolationEvent:
    now = datetime.now(UTC) + skew
    refs = [
        EvidenceRef(
            kind=EvidenceKind.snapshot,
            sha256=hashlib.sha256(ev.jpeg).hexdigest(),
            size=len(ev.jpeg),
            content_type="image/jpeg",
        ),
        EvidenceRef(
            kind=EvidenceKind.clip,
            sha256=hashlib.sha256(ev.mp4).hexdigest(),
            size=len(ev.mp4),
            content_type="video/mp4",
        ),
    ]
    box = Box(label="person", score=0.8, x1=100, y1=80, x2=400, y2=700)
    return ViolationEvent(
        event_id=f"sim-{uuid.uuid4().hex}",
        site_code=site.code,
        camera_key=camera,
        code=code,
        started_at=now - timedelta(seconds=5),
        ended_at=now,
        score=0.8,
        boxes=[box],
        track_id=1,
        model_name="simulator",
        model_version="1",
        frame_width=ev.width,
        frame_height=ev.height,
        evidence=refs,
    )


async def _send_event(
    client: httpx.AsyncClient, site: SimSite, event: ViolationEvent, ev: Evidence, tally: Tally
) -> None:
    files: dict[str, tuple[str | None, bytes | str, str]] = {
        "event": (None, event.model_dump_json(), "application/json"),
        "snapshot": ("snapshot.jpg", ev.jpeg, "image/jpeg"),
        "clip": ("clip.mp4", ev.mp4, "video/mp4"),
    }
    headers = {"Authorization": f"Bearer {site.device_key}"}
    for attempt in range(5):
        start = time.perf_counter()
        try:
            resp = await client.post("/api/v1/device/events", files=files, headers=headers)
        except httpx.HTTPError as exc:
            tally.error(type(exc).__name__)
            await asyncio.sleep(0.5 * 2**attempt)
            continue
        tally.latencies_ms.append((time.perf_counter() - start) * 1000)
        if resp.status_code in (200, 201):
            tally.accepted_ids.add(event.event_id)
            if resp.status_code == 201:
                tally.events_created += 1
            else:
                tally.events_duplicate += 1
            return
        tally.error(f"event {resp.status_code}")
        if resp.status_code not in (429, 500, 502, 503, 504):
            break
        await asyncio.sleep(float(resp.headers.get("Retry-After", 0.5 * 2**attempt)))
    tally.events_failed += 1


async def _device(
    client: httpx.AsyncClient,
    site: SimSite,
    plan: FleetPlan,
    ev: Evidence,
    tally: Tally,
    rng: random.Random,
    deadline: float,
) -> None:
    skew = timedelta(minutes=rng.choice((-7, 11))) if rng.random() < plan.skewed_fraction else timedelta()
    duplicates = rng.random() < plan.duplicating_fraction
    flapping = {c for c in site.camera_keys if rng.random() < plan.flapping_fraction}
    rate = plan.events_per_site_per_hour / 3600.0
    next_hb = time.monotonic() + rng.uniform(0, plan.heartbeat_interval_s)
    next_ev = time.monotonic() + (rng.expovariate(rate) if rate > 0 else float("inf"))
    headers = {"Authorization": f"Bearer {site.device_key}"}
    while (now := time.monotonic()) < deadline:
        if now >= next_hb:
            cams = [
                CameraHealth(
                    camera_key=c,
                    status=CameraStatus.offline if c in flapping and rng.random() < 0.5 else CameraStatus.online,
                    fps=1.0,
                )
                for c in site.camera_keys
            ]
            hb = Heartbeat(sent_at=datetime.now(UTC) + skew, software_version="sim-1", cameras=cams)
            try:
                resp = await client.post(
                    "/api/v1/device/heartbeats",
                    content=hb.model_dump_json(),
                    headers={**headers, "content-type": "application/json"},
                )
                tally.heartbeats_sent += 1
                if resp.status_code >= 300:
                    tally.heartbeats_failed += 1
                    tally.error(f"heartbeat {resp.status_code}")
            except httpx.HTTPError as exc:
                tally.heartbeats_failed += 1
                tally.error(type(exc).__name__)
            next_hb += plan.heartbeat_interval_s
        if now >= next_ev:
            event = _event(site, rng.choice(site.camera_keys), rng.choice(SIM_CODES), skew, ev)
            tally.event_ids.add(event.event_id)
            for _ in range(2 if duplicates else 1):
                tally.events_sent += 1
                await _send_event(client, site, event, ev, tally)
            next_ev += rng.expovariate(rate)
        await asyncio.sleep(max(0.0, min(next_hb, next_ev, deadline) - time.monotonic()))


async def run_fleet(
    base_url: str, sites: list[SimSite], plan: FleetPlan, ev: Evidence, tally: Tally, concurrency: int = 64
) -> None:
    rng = random.Random(plan.seed)
    deadline = time.monotonic() + plan.duration_s
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0, limits=limits) as client:
        await asyncio.gather(
            *(_device(client, s, plan, ev, tally, random.Random(rng.random()), deadline) for s in sites)
        )
