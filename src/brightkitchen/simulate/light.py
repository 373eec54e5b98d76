"""The light fleet: a province's heartbeats and rare events at a steady pace from one or a few client processes.

Each device heartbeats every ``heartbeat_interval_s``, the devices spread evenly over the interval (27,000 sites
at 30 s: 900 a second). Requests are pre-serialised bytes with only the time spliced in, sent over a bounded set of
keep-alive connections (not one per device); events are rare, with one small real JPEG snapshot and no clip.
With several processes each takes every P-th device; their results are merged."""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import multiprocessing
import queue
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from brightkitchen.protocol import ViolationEvent
from brightkitchen.simulate.provision import SimSite
from brightkitchen.simulate.wire import Connection, endpoint, request_bytes, request_head

CODES = ("no_mask", "phone_use", "intrusion", "rodent")
BOUNDARY = "bk-sim-4f1c9e"
EVENT_CONNECTIONS = 4
EVENT_GRACE_S = 60.0  # how long events still in flight at the end may take before they count as failed
TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"  # fixed width, so a request's length is known in advance


@dataclass(frozen=True)
class LightPlan:
    duration_s: float
    heartbeat_interval_s: float = 30.0
    events_per_site_per_hour: float = 0.5
    connections: int = 32  # heartbeat connections per process
    skewed_fraction: float = 0.05
    duplicating_fraction: float = 0.05
    flapping_fraction: float = 0.005
    seed: int = 7
    progress_s: float = 10.0


@dataclass
class Snapshot:
    """Progress of one process (or all, merged) at one tick: totals so far and this tick's window."""

    heartbeats_sent: int = 0
    heartbeats_failed: int = 0
    events_sent: int = 0
    events_created: int = 0
    events_duplicate: int = 0
    events_failed: int = 0
    window_heartbeats: int = 0
    window_lateness_ms: Counter[int] = field(default_factory=Counter)

    def merge(self, other: Snapshot) -> None:
        for name in ("heartbeats_sent", "heartbeats_failed", "events_sent", "events_created", "events_duplicate",
                     "events_failed", "window_heartbeats"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.window_lateness_ms.update(other.window_lateness_ms)


@dataclass
class LightResult:
    heartbeats_planned: int = 0
    heartbeats_sent: int = 0
    heartbeats_failed: int = 0
    lateness_ms: Counter[int] = field(default_factory=Counter)  # whole ms late vs the schedule -> heartbeats
    events_sent: int = 0
    events_created: int = 0
    events_duplicate: int = 0
    events_failed: int = 0
    event_ids: set[str] = field(default_factory=set)
    accepted_ids: set[str] = field(default_factory=set)
    # device id -> (wall time sent, wall time acknowledged) of its last acknowledged heartbeat
    last_ack: dict[int, tuple[float, float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    cpu_s: float = 0.0

    def merge(self, other: LightResult) -> None:
        for name in ("heartbeats_planned", "heartbeats_sent", "heartbeats_failed", "events_sent", "events_created",
                     "events_duplicate", "events_failed", "cpu_s"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.lateness_ms.update(other.lateness_ms)
        self.errors.update(other.errors)
        self.event_ids |= other.event_ids
        self.accepted_ids |= other.accepted_ids
        self.last_ack.update(other.last_ack)


def percentile_ms(hist: Counter[int], q: float) -> int:
    total = sum(hist.values())
    if not total:
        return 0
    seen, rank = 0, q * total
    for ms in sorted(hist):
        seen += hist[ms]
        if seen >= rank:
            return ms
    return max(hist)


def small_snapshot() -> bytes:
    """A real, small (a few KB) JPEG: a 320x180 picture with some texture."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(7)
    img = np.zeros((180, 320, 3), np.uint8)
    img[:] = (np.arange(320, dtype=np.uint8)[None, :, None] // 2) + 40
    img += rng.integers(0, 24, img.shape, dtype=np.uint8)
    cv2.rectangle(img, (100, 40), (180, 170), (30, 60, 200), -1)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 70])
    assert ok
    return bytes(buf.tobytes())


class _HeartbeatTemplate:
    """A device's heartbeat request with its head, the start of its body and the rest fixed in advance."""

    def __init__(self, host: str, site: SimSite, skew_s: float, flapping: frozenset[str]) -> None:
        self.skew_s = skew_s

        def rest(offline: frozenset[str]) -> bytes:
            cams = [{"camera_key": c, "status": "offline" if c in offline else "online", "fps": 1.0}
                    for c in site.camera_keys]  # fmt: skip
            return ('",' + json.dumps({"software_version": "sim-light-1", "cameras": cams})[1:]).encode()

        self.variants = [rest(frozenset()), *([rest(flapping)] if flapping else [])]
        stamp = datetime.now(UTC).strftime(TS_FORMAT).encode()
        heads = []
        for variant in self.variants:
            length = len(b'{"sent_at":"') + len(stamp) + len(variant)
            headers = {"Authorization": f"Bearer {site.device_key}", "Content-Type": "application/json"}
            heads.append(request_head(host, "/api/v1/device/heartbeats", headers, length) + b'{"sent_at":"')
        self.heads = heads

    def build(self, wall: float, variant: int) -> bytes:
        stamp = datetime.fromtimestamp(wall + self.skew_s, UTC).strftime(TS_FORMAT).encode()
        return self.heads[variant] + stamp + self.variants[variant]


class _EventBuilder:
    def __init__(self, host: str, jpeg: bytes) -> None:
        self.host, self.jpeg = host, jpeg
        self.ref = {"kind": "snapshot", "sha256": hashlib.sha256(jpeg).hexdigest(), "size": len(jpeg),
                    "content_type": "image/jpeg"}  # fmt: skip

    def event(self, site: SimSite, rng: random.Random, skew_s: float) -> dict[str, Any]:
        now = datetime.fromtimestamp(time.time() + skew_s, UTC)
        return {
            "event_id": f"sim-{uuid.uuid4().hex}", "site_code": site.code,
            "camera_key": rng.choice(site.camera_keys), "code": rng.choice(CODES),
            "started_at": datetime.fromtimestamp(now.timestamp() - 5, UTC).isoformat(), "ended_at": now.isoformat(),
            "score": 0.8, "boxes": [{"label": "person", "score": 0.8, "x1": 40, "y1": 30, "x2": 200, "y2": 170}],
            "track_id": 1, "model_name": "simulator", "model_version": "1", "frame_width": 320,
            "frame_height": 180, "evidence": [self.ref],
        }  # fmt: skip

    def request(self, site: SimSite, event: dict[str, Any]) -> bytes:
        b = BOUNDARY.encode()
        body = (
            b"--" + b + b'\r\nContent-Disposition: form-data; name="event"\r\nContent-Type: application/json\r\n\r\n'
            + json.dumps(event).encode() + b"\r\n--" + b
            + b'\r\nContent-Disposition: form-data; name="snapshot"; filename="snapshot.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n" + self.jpeg + b"\r\n--" + b + b"--\r\n"
        )  # fmt: skip
        headers = {"Authorization": f"Bearer {site.device_key}",
                   "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}  # fmt: skip
        return request_bytes(self.host, "/api/v1/device/events", headers, body)


class _Share:
    """One process's devices and schedule: device ``g`` of ``n`` heartbeats at t0 + g*interval/n + c*interval."""

    def __init__(
        self, base_url: str, sites: list[SimSite], index: int, count: int, plan: LightPlan, jpeg: bytes
    ) -> None:
        self.host, self.port = endpoint(base_url)
        self.plan = plan
        self.sites = sites[index::count]
        rng = random.Random(plan.seed * 1000 + index)
        self.rng = rng
        step = plan.heartbeat_interval_s / len(sites)
        self.offsets = [(index + count * k) * step for k in range(len(self.sites))]
        self.skews: list[float] = []
        self.duplicating: list[bool] = []
        self.templates: list[_HeartbeatTemplate] = []
        for site in self.sites:
            skew = rng.choice((-420.0, 660.0)) if rng.random() < plan.skewed_fraction else 0.0
            flapping = frozenset(c for c in site.camera_keys if rng.random() < plan.flapping_fraction)
            self.skews.append(skew)
            self.duplicating.append(rng.random() < plan.duplicating_fraction)
            self.templates.append(_HeartbeatTemplate(self.host, site, skew, flapping))
        self.events = _EventBuilder(self.host, jpeg)
        self.next_slot = 0
        self.result = LightResult()
        self.window = Snapshot()
        self.t0 = self.deadline = 0.0

    def planned(self) -> int:
        interval, duration = self.plan.heartbeat_interval_s, self.plan.duration_s
        return sum(math.ceil((duration - off) / interval) for off in self.offsets if off < duration)

    async def heartbeats(self, conn: Connection) -> None:
        m, interval, r = len(self.sites), self.plan.heartbeat_interval_s, self.result
        while True:
            j = self.next_slot
            self.next_slot += 1
            cycle, k = divmod(j, m)
            due = self.t0 + self.offsets[k] + cycle * interval
            if due >= self.deadline:
                return
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif time.monotonic() >= self.deadline:
                return  # a backlog left at the end is a shortfall against the plan, not sent late
            late_ms = int((time.monotonic() - due) * 1000)
            r.lateness_ms[late_ms] += 1
            self.window.window_lateness_ms[late_ms] += 1
            template = self.templates[k]
            variant = 1 if len(template.variants) > 1 and self.rng.random() < 0.5 else 0
            sent = time.time()
            r.heartbeats_sent += 1
            self.window.window_heartbeats += 1
            try:
                status, _, _ = await conn.send(template.build(sent, variant))
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                r.heartbeats_failed += 1
                r.errors[f"heartbeat {type(exc).__name__}"] += 1
                continue
            if status == 204:
                r.last_ack[self.sites[k].device_id] = (sent, time.time())
            else:
                r.heartbeats_failed += 1
                r.errors[f"heartbeat {status}"] += 1

    async def events_loop(self) -> None:
        rate = len(self.sites) * self.plan.events_per_site_per_hour / 3600.0
        if rate <= 0:
            return
        pool: asyncio.Queue[Connection] = asyncio.Queue()
        for _ in range(EVENT_CONNECTIONS):
            pool.put_nowait(Connection(self.host, self.port))
        tasks: set[asyncio.Task[None]] = set()
        next_at = self.t0 + self.rng.expovariate(rate)
        while next_at < self.deadline:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            k = self.rng.randrange(len(self.sites))
            task = asyncio.create_task(self._event(pool, k))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            next_at += self.rng.expovariate(rate)
        if tasks:
            _, late = await asyncio.wait(set(tasks), timeout=EVENT_GRACE_S)
            for task in late:
                task.cancel()  # counted as failed in _event
            await asyncio.gather(*late, return_exceptions=True)
        while not pool.empty():
            pool.get_nowait().close()

    async def _event(self, pool: asyncio.Queue[Connection], k: int) -> None:
        site, r = self.sites[k], self.result
        event = self.events.event(site, self.rng, self.skews[k])
        r.event_ids.add(event["event_id"])
        raw = self.events.request(site, event)
        for _ in range(2 if self.duplicating[k] else 1):
            r.events_sent += 1
            try:
                conn = await pool.get()
            except asyncio.CancelledError:
                r.events_failed += 1
                r.errors["event unsent at the end"] += 1
                raise
            try:
                status = await _send_event(conn, raw, r)
            except asyncio.CancelledError:
                r.events_failed += 1
                r.errors["event unanswered at the end"] += 1
                conn.close()
                raise
            finally:
                pool.put_nowait(conn)
            if status == 201:
                r.events_created += 1
            elif status == 200:
                r.events_duplicate += 1
            else:
                r.events_failed += 1
                continue
            r.accepted_ids.add(event["event_id"])

    def snapshot(self) -> Snapshot:
        r, w = self.result, self.window
        snap = Snapshot(r.heartbeats_sent, r.heartbeats_failed, r.events_sent, r.events_created, r.events_duplicate,
                        r.events_failed, w.window_heartbeats, w.window_lateness_ms)  # fmt: skip
        self.window = Snapshot()
        return snap

    async def run(self, start_wall: float, report: Callable[[int, Snapshot], None]) -> LightResult:
        self.t0 = time.monotonic() + (start_wall - time.time())
        self.deadline = self.t0 + self.plan.duration_s
        self.result.heartbeats_planned = self.planned()
        await asyncio.sleep(max(0.0, self.t0 - time.monotonic()))

        async def ticker() -> None:
            tick = 0
            while (tick + 1) * self.plan.progress_s <= self.plan.duration_s + 0.5:
                tick += 1
                await asyncio.sleep(max(0.0, self.t0 + tick * self.plan.progress_s - time.monotonic()))
                report(tick, self.snapshot())

        conns = [Connection(self.host, self.port) for _ in range(max(1, self.plan.connections))]
        progress = asyncio.create_task(ticker())
        try:
            await asyncio.gather(*(self.heartbeats(c) for c in conns), self.events_loop())
        finally:
            progress.cancel()
            for conn in conns:
                conn.close()
        return self.result


async def _send_event(conn: Connection, raw: bytes, r: LightResult) -> int:
    """The final status after retrying what a device's outbox would retry (429, 5xx, a broken connection)."""
    status = 0
    for attempt in range(5):
        try:
            status, headers, _ = await conn.send(raw)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            r.errors[f"event {type(exc).__name__}"] += 1
            await asyncio.sleep(0.5 * 2**attempt)
            continue
        if status in (200, 201):
            return status
        r.errors[f"event {status}"] += 1
        if status not in (429, 500, 502, 503, 504):
            return status
        await asyncio.sleep(float(headers.get("retry-after", 0.5 * 2**attempt)))
    return status


def check_event_template(jpeg: bytes) -> None:
    """The hand-built event JSON must still be what the protocol accepts."""
    site = SimSite(0, 0, "SIM-0001", "x", ("cam-1",))
    ViolationEvent.model_validate(_EventBuilder("h", jpeg).event(site, random.Random(1), 0.0))


def _child(
    index: int, count: int, base_url: str, sites: list[SimSite], plan: LightPlan, jpeg: bytes,
    out: Any, go: Any, start_wall: Any,
) -> None:  # fmt: skip
    share = _Share(base_url, sites, index, count, plan, jpeg)
    out.put(("ready", index, None))
    go.wait()
    cpu = time.process_time()
    result = asyncio.run(share.run(start_wall.value, lambda tick, snap: out.put(("progress", index, (tick, snap)))))
    result.cpu_s = time.process_time() - cpu  # the run only, like the single-process path
    out.put(("done", index, result))


def run_light(
    base_url: str,
    sites: list[SimSite],
    plan: LightPlan,
    jpeg: bytes,
    processes: int = 1,
    on_progress: Callable[[int, Snapshot], None] = lambda tick, snap: None,
) -> LightResult:
    """Runs the fleet for ``plan.duration_s`` from ``processes`` client processes and merges their results."""
    check_event_template(jpeg)
    processes = max(1, min(processes, len(sites)))
    if processes == 1:
        share = _Share(base_url, sites, 0, 1, plan, jpeg)
        cpu = time.process_time()
        result = asyncio.run(share.run(time.time() + 0.1, on_progress))
        result.cpu_s = time.process_time() - cpu
        return result
    mp = multiprocessing.get_context("spawn")
    out = mp.Queue()
    go = mp.Event()
    start_wall = mp.Value("d", 0.0)
    children = [mp.Process(target=_child, args=(i, processes, base_url, sites, plan, jpeg, out, go, start_wall),
                           daemon=True) for i in range(processes)]  # fmt: skip
    for child in children:
        child.start()
    merged = LightResult()
    pending: dict[int, list[Snapshot]] = {}
    ready = done = 0
    try:
        while done < processes:
            try:
                kind, _, payload = out.get(timeout=5.0)
            except queue.Empty:
                if any(c.exitcode not in (None, 0) for c in children):
                    raise RuntimeError("a client process died") from None
                continue
            if kind == "ready":
                ready += 1
                if ready == processes:
                    start_wall.value = time.time() + 0.5
                    go.set()
            elif kind == "progress":
                tick, snap = payload
                pending.setdefault(tick, []).append(snap)
                if len(pending[tick]) == processes:
                    total = Snapshot()
                    for part in pending.pop(tick):
                        total.merge(part)
                    on_progress(tick, total)
            else:
                merged.merge(payload)
                done += 1
    finally:
        for child in children:
            child.join(timeout=10)
    return merged
