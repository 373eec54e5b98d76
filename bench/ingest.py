"""Ingestion throughput through a real uvicorn server, measured with wrk (Debian's ``wrk``, a compiled load
generator, so the client is not the bottleneck) and the Lua scripts in bench/wrk/:

- health: GET /api/v1/health, the bare endpoint (same middleware stack as every endpoint), the baseline;
- heartbeats: each request with the next of ``--devices`` seeded device keys;
- events: multipart, a ~45 KB real JPEG snapshot, a unique event_id per request, the devices in turn: each
  camera's first event opens an alert, its later ones within the episode gap (600 s) join it; the measured
  phase's mix is printed.

Each phase prints requests/s, the ratio to the same run's health figure, non-2xx answers and latency p50/p99.
The numbers depend on the machine and on what else runs on it: compare ratios from one run.

    python bench/ingest.py --db postgres --workers 2
    python bench/ingest.py --db both --seconds 5 --connections 32
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import httpx
from pg_scratch import throwaway_pg
from sqlalchemy import create_engine, func, insert, select

from brightkitchen.platform import migrate
from brightkitchen.platform.alerts.models import AlertDetection
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.regions.models import RegionKind
from brightkitchen.platform.regions.service import add_region
from brightkitchen.platform.security import DEVICE_KEY_PREFIX, new_token, token_digest
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site

REPO = Path(__file__).resolve().parents[1]
WRK = REPO / "bench" / "wrk"
IMAGES = REPO / ".." / "shared" / "datasets" / "mask-wearing-train" / "images"


def snapshot_jpeg(target: int = 46_000) -> bytes:
    """A real photo from the mask dataset, rescaled until its JPEG is about ``target`` bytes."""
    path = sorted(IMAGES.glob("*.jpg"))[0]
    img = cv2.imread(str(path))
    assert img is not None, path
    scale, data = 1.0, b""
    for _ in range(20):
        resized = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        ok, buf = cv2.imencode(".jpg", resized, [cv2.IMWRITE_JPEG_QUALITY, 85])
        assert ok
        data = buf.tobytes()
        if abs(len(data) - target) < target * 0.1:
            break
        scale *= (target / len(data)) ** 0.5
    return data


def seed(settings: Settings, devices: int) -> list[tuple[str, str, str]]:
    """``devices`` sites with a camera and a device each, inserted in bulk; returns (key, site code, camera)."""
    migrate.upgrade(settings)
    ctx = PlatformContext.build(settings)
    keys = [new_token(DEVICE_KEY_PREFIX) for _ in range(devices)]
    now = utcnow()
    with ctx.sessions.begin() as s:
        city = add_region(s, "city", "city", RegionKind.city, None)
        street = add_region(s, "street", "street", RegionKind.street, city)
        site_rows = [{"code": f"S{i:05d}", "name": f"学校{i}", "kind": "school", "region_id": street.id}
                     for i in range(devices)]  # fmt: skip
        site_ids = list(s.scalars(insert(Site).returning(Site.id, sort_by_parameter_order=True), site_rows))
        s.execute(insert(Camera), [{"site_id": sid, "key": f"cam-{i}", "name": "后厨", "stream_url": "rtsp://x"}
                                   for i, sid in enumerate(site_ids)])  # fmt: skip
        s.execute(insert(Device), [{"site_id": sid, "name": f"edge-{i}", "key_hash": token_digest(keys[i]),
                                    "key_issued_at": now} for i, sid in enumerate(site_ids)])  # fmt: skip
    ctx.engine.dispose()
    return [(keys[i], f"S{i:05d}", f"cam-{i}") for i in range(devices)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(settings: Settings, workers: int) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "BRIGHTKITCHEN_DATABASE_URL": settings.resolved_database_url(),
        "BRIGHTKITCHEN_DATA_DIR": str(settings.data_dir),
        "BRIGHTKITCHEN_JOBS_ENABLED": "false",
        "BRIGHTKITCHEN_DEVICE_RATE_PER_S": "1000000",
        "BRIGHTKITCHEN_DEVICE_RATE_BURST": "1000000",
    }
    cmd = [sys.executable, "-m", "uvicorn", "brightkitchen.platform.app:create_app", "--factory",
           "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
           "--log-level", "warning", "--no-access-log"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        settled(proc.pid, workers)
        yield base
    finally:
        proc.terminate()
        proc.wait(30)


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def settled(parent: int, workers: int, timeout: float = 120.0) -> None:
    """Waits until every worker has loaded the app: the first answer to come back says only that one has, and
    a worker still importing would eat the CPU the measurement needs. Idle workers use (almost) no CPU."""
    deadline, last = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        children = Path(f"/proc/{parent}/task/{parent}/children")
        pids = [int(p) for p in children.read_text().split()] if children.exists() else []
        total = sum(_cpu_ticks(p) for p in pids)
        if len(pids) >= workers and total - last <= 2 * workers:
            return
        last = total
        time.sleep(1.0)


@dataclass
class Result:
    rate: float
    non2xx: int
    errors: int
    p50_ms: float
    p99_ms: float


def wrk(base: str, path: str, script: str, args: list[str], opts: argparse.Namespace, seconds: float) -> Result:
    cmd = ["wrk", f"--threads={opts.threads}", f"--connections={opts.connections}", f"--duration={seconds:g}s",
           "--timeout=10s", f"--script={WRK / script}", f"{base}{path}", "--", *args]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    found = re.search(r"WRK_SUMMARY requests=(\d+) duration_us=(\d+) non2xx=(\d+) socket_errors=(\d+) "
                      r"p50_us=(\d+) p99_us=(\d+)", out)  # fmt: skip
    assert found, out
    requests, duration, non2xx, errors, p50, p99 = (int(g) for g in found.groups())
    return Result((requests - non2xx) / (duration / 1e6), non2xx, errors, p50 / 1000, p99 / 1000)


@contextmanager
def database(kind: str, data_dir: Path) -> Iterator[Settings]:
    if kind == "sqlite":
        yield Settings(data_dir=data_dir)
        return
    with throwaway_pg() as url:
        yield Settings(data_dir=data_dir, database_url=url)


def heard_from(settings: Settings) -> int:
    """Devices whose heartbeat reached the database (gathered heartbeats are written within a second)."""
    engine = create_engine(settings.resolved_database_url())
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(Device).where(Device.last_heartbeat_at.is_not(None)))
    engine.dispose()
    return int(n or 0)


def outcomes(settings: Settings) -> dict[str, int]:
    """Detections recorded so far by outcome (opened a new alert, joined the camera's open one)."""
    engine = create_engine(settings.resolved_database_url())
    with engine.connect() as conn:
        rows = conn.execute(select(AlertDetection.outcome, func.count()).group_by(AlertDetection.outcome)).all()
    engine.dispose()
    return {str(outcome): int(n) for outcome, n in rows}


def run(db: str, opts: argparse.Namespace, jpeg_path: Path, sha: str) -> None:
    with tempfile.TemporaryDirectory() as tmp, database(db, Path(tmp)) as settings:
        started = time.perf_counter()
        devices = seed(settings, opts.devices)
        keys = Path(tmp) / "devices.txt"
        keys.write_text("".join(f"{k} {s} {c}\n" for k, s, c in devices))
        print(f"{db}: seeded {len(devices)} devices in {time.perf_counter() - started:.1f} s", flush=True)
        phases = {
            "health": ("/api/v1/health", "health.lua", []),
            "heartbeats": ("/api/v1/device/heartbeats", "heartbeat.lua", [str(keys), str(opts.threads)]),
            "events": ("/api/v1/device/events", "events.lua", [str(keys), str(opts.threads), str(jpeg_path), sha]),
        }
        with server(settings, opts.workers) as base:
            print(f"{db}: {opts.workers} workers ready", flush=True)
            results: dict[str, Result] = {}
            for phase in opts.phases:
                path, script, args = phases[phase]
                # Warm-up. A device key is checked against the database once per worker, then cached: the
                # device phases warm up until every key has reached every worker (--warmup), so the figure is
                # the steady state a province sees (each device every 30 s, keys cached for minutes).
                wrk(base, path, script, args, opts, 2.0 if phase == "health" else opts.warmup)
                before = outcomes(settings) if phase == "events" else {}
                r = results[phase] = wrk(base, path, script, args, opts, opts.seconds)
                health = results.get("health")
                ratio = f"{r.rate / health.rate:5.2f} of health" if health and phase != "health" else "   baseline    "
                print(f"{db:9s} {phase:10s} {r.rate:8.0f}/s  {ratio}  non-2xx {r.non2xx:<6d} socket errors "
                      f"{r.errors:<4d} p50 {r.p50_ms:7.1f} ms  p99 {r.p99_ms:7.1f} ms", flush=True)  # fmt: skip
                if phase == "events":
                    # Each camera's first event opens an alert; its later ones (within the episode gap) join it.
                    after = outcomes(settings)
                    mix = ", ".join(f"{k} {after[k] - before.get(k, 0)}" for k in sorted(after))
                    print(f"{db:9s} events measured: {mix}")
                if phase == "heartbeats":
                    time.sleep(2.5)  # one flush interval and then some
                    print(f"{db:9s} heartbeats written for {heard_from(settings)} of {len(devices)} devices")


def main() -> None:
    # The platform refuses to start without a secret key; a benchmark makes a throwaway one for its servers.
    os.environ.setdefault("BRIGHTKITCHEN_SECRET_KEY", secrets.token_urlsafe(32))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections in all")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds of warm-up before a device phase")
    parser.add_argument("--devices", type=int, default=2000, help="devices seeded (one key each)")
    parser.add_argument("--phases", nargs="+", choices=["health", "heartbeats", "events"],
                        default=["health", "heartbeats", "events"])  # fmt: skip
    opts = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    jpeg = snapshot_jpeg()
    sha = hashlib.sha256(jpeg).hexdigest()
    print(f"cpus={os.cpu_count()} snapshot={len(jpeg)} B workers={opts.workers} wrk={opts.threads} threads x "
          f"{opts.connections} connections, {opts.seconds:g} s per phase, {opts.devices} devices")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        jpeg_path = Path(tmp) / "snapshot.jpg"
        jpeg_path.write_bytes(jpeg)
        for db in ["sqlite", "postgres"] if opts.db == "both" else [opts.db]:
            run(db, opts, jpeg_path, sha)


if __name__ == "__main__":
    main()
