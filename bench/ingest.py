"""Ingestion throughput: events (each with a ~50 KB real JPEG snapshot) and heartbeats per second, against
SQLite and PostgreSQL, through a real uvicorn server and concurrent httpx clients. Each figure is printed
with the same run's bare-endpoint baseline (GET /api/v1/health) and the ratio to it.

    python bench/ingest.py                  # both databases, ~2 minutes
    python bench/ingest.py --db postgres --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import cv2
import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from brightkitchen.platform import migrate
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.devices.service import issue_key
from brightkitchen.platform.regions.models import RegionKind
from brightkitchen.platform.regions.service import add_region
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site

REPO = Path(__file__).resolve().parents[1]
IMAGES = REPO / ".." / "shared" / "datasets" / "mask-wearing-train" / "images"
PG_URL = os.environ.get("BRIGHTKITCHEN_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SITES = 40


def snapshot_jpeg(target: int = 50_000) -> bytes:
    """A real photo from the mask dataset, upscaled until its JPEG is about ``target`` bytes."""
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


def seed(settings: Settings) -> list[tuple[str, str, str]]:
    """SITES sites with a camera and a device each; returns (site code, camera key, device key)."""
    migrate.upgrade(settings)
    ctx = PlatformContext.build(settings)
    out = []
    with ctx.sessions.begin() as s:
        city = add_region(s, "city", "city", RegionKind.city, None)
        street = add_region(s, "street", "street", RegionKind.street, city)
        for i in range(SITES):
            site = Site(code=f"S{i:03d}", name=f"学校{i}", kind="school", region_id=street.id)
            s.add(site)
            s.flush()
            s.add(Camera(site_id=site.id, key=f"cam-{i}", name="后厨", stream_url="rtsp://x"))
            device = Device(site_id=site.id, name=f"edge-{i}")
            key = issue_key(device)
            s.add(device)
            out.append((site.code, f"cam-{i}", key))
    ctx.engine.dispose()
    return out


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
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "brightkitchen.platform.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(20)


def _event_files(site: str, camera: str, jpeg: bytes, sha: str) -> dict[str, tuple[str | None, bytes, str]]:
    now = datetime.now(UTC).isoformat()
    doc = {
        "event_id": f"b-{uuid.uuid4().hex}", "site_code": site, "camera_key": camera, "code": "no_mask",
        "started_at": now, "ended_at": now, "score": 0.9, "model_name": "bench", "model_version": "1",
        "frame_width": 1280, "frame_height": 720,
        "evidence": [{"kind": "snapshot", "sha256": sha, "size": len(jpeg), "content_type": "image/jpeg"}],
    }  # fmt: skip
    return {"event": (None, json.dumps(doc).encode(), "application/json"), "snapshot": ("s.jpg", jpeg, "image/jpeg")}


async def _load(base: str, kind: str, devices: list[tuple[str, str, str]], seconds: float, concurrency: int,
                seed_no: int) -> tuple[int, int]:  # fmt: skip
    jpeg = snapshot_jpeg() if kind == "events" else b""
    sha = hashlib.sha256(jpeg).hexdigest()
    ok = failed = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:

        async def worker(n: int) -> None:
            nonlocal ok, failed
            site, camera, key = devices[(seed_no * concurrency + n) % len(devices)]
            headers = {"Authorization": f"Bearer {key}"}
            beat = {"sent_at": "", "software_version": "bench", "cameras": [
                {"camera_key": camera, "status": "online", "fps": 10.0}]}  # fmt: skip
            while time.perf_counter() < deadline:
                if kind == "health":
                    r = await http.get("/api/v1/health")
                elif kind == "heartbeats":
                    beat["sent_at"] = datetime.now(UTC).isoformat()
                    r = await http.post("/api/v1/device/heartbeats", headers=headers, json=beat)
                else:
                    r = await http.post("/api/v1/device/events", headers=headers,
                                        files=_event_files(site, camera, jpeg, sha))  # fmt: skip
                if r.status_code in (200, 201, 204):
                    ok += 1
                else:
                    failed += 1

        await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return ok, failed


def _client_process(args: tuple[str, str, list[tuple[str, str, str]], float, int, int]) -> tuple[int, int]:
    return asyncio.run(_load(*args))


def measure(pool: multiprocessing.pool.Pool, base: str, kind: str, devices: list[tuple[str, str, str]],
            seconds: float, clients: int, concurrency: int) -> tuple[float, int]:  # fmt: skip
    pool.map(_client_process, [(base, kind, devices, 1.0, concurrency, i) for i in range(clients)])  # warm-up
    start = time.perf_counter()
    results = pool.map(_client_process, [(base, kind, devices, seconds, concurrency, i) for i in range(clients)])
    elapsed = time.perf_counter() - start
    return sum(r[0] for r in results) / elapsed, sum(r[1] for r in results)


@contextmanager
def database(kind: str, data_dir: Path) -> Iterator[Settings]:
    if kind == "sqlite":
        yield Settings(data_dir=data_dir)
        return
    name = f"bk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        yield Settings(data_dir=data_dir, database_url=url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    # The platform refuses to start without a secret key; a benchmark makes a throwaway one for its servers.
    os.environ.setdefault("BRIGHTKITCHEN_SECRET_KEY", secrets.token_urlsafe(32))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per phase")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--concurrency", type=int, default=16, help="connections per client process")
    args = parser.parse_args()
    jpeg = snapshot_jpeg()
    print(f"cpus={os.cpu_count()} snapshot={len(jpeg)} B workers={args.workers} clients={args.clients}x"
          f"{args.concurrency} seconds={args.seconds}")  # fmt: skip
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(args.clients) as pool:
        for db in kinds:
            with tempfile.TemporaryDirectory() as tmp, database(db, Path(tmp)) as settings:
                devices = seed(settings)
                with server(settings, args.workers) as base:
                    rates = {}
                    for kind in ("health", "heartbeats", "events"):
                        rate, failed = measure(pool, base, kind, devices, args.seconds, args.clients, args.concurrency)
                        rates[kind] = rate
                        note = f"  ({failed} refused)" if failed else ""
                        ratio = f"{rate / rates['health']:.2f} of baseline" if kind != "health" else "baseline"
                        print(f"{db:9s} {kind:11s} {rate:8.0f}/s  {ratio}{note}", flush=True)


if __name__ == "__main__":
    main()
