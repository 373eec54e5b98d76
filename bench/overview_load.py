"""The regulator's overview under a district's worth of data: 100 sites and 100,000 alerts (bulk inserted),
served by a real uvicorn process on SQLite (or PostgreSQL with --database-url).

Prints the median and p95 of
  - GET /api/v1/stats/overview (the regulator's KPIs) against the same run's GET /api/v1/health;
  - the overview page in Chromium, from navigation until the KPIs are drawn, against the login page
    (the app shell without data) — when the web app is built and /usr/bin/chromium and Playwright exist.

    python bench/overview_load.py
    python bench/overview_load.py --alerts 20000 --requests 20
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from brightkitchen.platform import migrate
from brightkitchen.platform.alerts.models import Alert, AlertState
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.regions.models import RegionKind
from brightkitchen.platform.regions.service import add_region
from brightkitchen.platform.security import hash_password
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.users.models import Role, User
from brightkitchen.platform.webui import STATIC_DIR
from brightkitchen.protocol.codes import ViolationCode

PASSWORD = "bench-password-1"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip
# Share of alerts in each state: most are done, a tenth false positives, the rest in flight.
STATES = [(AlertState.closed, 0.70), (AlertState.false_positive, 0.10), (AlertState.rectifying, 0.07),
          (AlertState.pushed, 0.05), (AlertState.submitted, 0.05), (AlertState.new, 0.03)]  # fmt: skip
CODES = [c for c in ViolationCode if c != ViolationCode.camera_fault]


def seed(ctx: PlatformContext, sites: int, alerts: int, days: int, rng: random.Random) -> None:
    now = datetime.now(UTC)
    with ctx.sessions() as s:
        city = add_region(s, "示范市", "city", RegionKind.city, None)
        district = add_region(s, "示范区分局", "district", RegionKind.district, city)
        streets = [add_region(s, f"街道{i}", f"street-{i}", RegionKind.street, district) for i in range(5)]
        cameras: list[tuple[int, int]] = []
        for i in range(sites):
            site = Site(code=f"S{i:03d}", name=f"第{i + 1}学校", kind="school", region_id=streets[i % 5].id)
            s.add(site)
            s.flush()
            # Most devices and cameras heard from "recently" for the whole run (last_seen in the near future).
            online = rng.random() < 0.9
            seen = now + timedelta(hours=2) if online else now - timedelta(days=1)
            s.add(Device(site_id=site.id, name=f"edge-{i}", status="online" if online else "offline",
                         last_heartbeat_at=seen))  # fmt: skip
            for k in range(2):
                status = "online" if online else "offline"
                cam = Camera(site_id=site.id, key=f"cam-{k}", name=f"后厨-{k}", status=status, last_seen_at=seen)
                s.add(cam)
                s.flush()
                cameras.append((site.id, cam.id))
        s.add(User(username="reg", password_hash=hash_password(PASSWORD), role=Role.regulator, region_id=district.id))
        s.commit()

        weights = [w for _, w in STATES]
        rows: list[dict[str, Any]] = []
        for _ in range(alerts):
            site_id, camera_id = rng.choice(cameras)
            created = now - timedelta(seconds=rng.uniform(0, days * 86400))
            state = rng.choices([st for st, _ in STATES], weights)[0]
            submitted = created + timedelta(hours=rng.uniform(1, 30)) if state in ("submitted", "closed") else None
            rows.append({
                "event_id": uuid.uuid4().hex, "site_id": site_id, "camera_id": camera_id, "device_id": None,
                "code": rng.choice(CODES), "state": state, "source": "edge", "score": round(rng.uniform(0.5, 1), 3),
                "started_at": created - timedelta(seconds=5), "ended_at": created, "boxes": [], "track_id": None,
                "model_name": "bench", "model_version": "1", "frame_width": 1280, "frame_height": 720, "test": False,
                "detail": "", "created_at": created, "deadline_at": created + timedelta(hours=24),
                "escalate_at": created + timedelta(hours=48),
                "escalated_at": created + timedelta(hours=48) if rng.random() < 0.03 else None,
                "pushed_at": created if state != "new" else None, "submitted_at": submitted,
                "closed_at": submitted + timedelta(hours=1) if submitted and state == "closed" else None,
                "false_positive_reason": "bench" if state == "false_positive" else None, "open_fault_key": None,
            })  # fmt: skip
            if len(rows) == 10_000:
                s.execute(insert(Alert), rows)
                rows = []
        if rows:
            s.execute(insert(Alert), rows)
        s.commit()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(settings: Settings) -> Iterator[str]:
    """The platform in its own process, as `brightkitchen serve` runs it (uvicorn, app factory)."""
    port = free_port()
    env = {**os.environ, "BRIGHTKITCHEN_DATABASE_URL": settings.resolved_database_url(),
           "BRIGHTKITCHEN_DATA_DIR": str(settings.data_dir), "BRIGHTKITCHEN_JOBS_ENABLED": "false"}  # fmt: skip
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "brightkitchen.platform.app:create_app",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def timed(n: int, call: Callable[[], None], warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        call()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(name: str, values: list[float], baseline: list[float] | None = None, base_name: str = "") -> None:
    med, tail = statistics.median(values), p95(values)
    line = f"{name:<34} median {med:8.1f} ms   p95 {tail:8.1f} ms"
    if baseline:
        line += f"   = {med / statistics.median(baseline):6.1f}x / {tail / p95(baseline):6.1f}x {base_name}"
    print(line, flush=True)


def api_figures(base: str, requests: int) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        token = client.post("/api/v1/auth/login", json={"username": "reg", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}

        def get(path: str) -> Callable[[], None]:
            def call() -> None:
                resp = client.get(path, headers=headers)
                assert resp.status_code == 200, resp.text

            return call

        health = timed(requests, get("/api/v1/health"))
        report("GET /api/v1/health (baseline)", health)
        report("GET /api/v1/stats/overview", timed(requests, get("/api/v1/stats/overview")), health, "health")
        report("GET /api/v1/alerts?size=20", timed(requests, get("/api/v1/alerts?size=20")), health, "health")
        report("GET /api/v1/stats/ranking", timed(requests, get("/api/v1/stats/ranking")), health, "health")


def page_figures(base: str, loads: int) -> None:
    if not (STATIC_DIR / "index.html").is_file() or not CHROMIUM.is_file():
        print("page load: skipped (needs scripts/web-build and /usr/bin/chromium)")
        return
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("page load: skipped (needs Playwright for Python)")
        return
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(base_url=base, locale="zh-CN").new_page()
        page.goto("/login")
        page.fill("input[data-test=login-username]", "reg")
        page.fill("input[data-test=login-password]", PASSWORD)
        page.click("[data-test=login-submit]")
        page.wait_for_selector("[data-test=kpi-open] .bk-kpi-value", timeout=60_000)

        def shell() -> None:
            page.goto("/login?bench=1")
            page.wait_for_selector("[data-test=login-submit]")

        def overview() -> None:
            page.goto("/overview")
            page.wait_for_selector("[data-test=kpi-open] .bk-kpi-value", timeout=60_000)

        # /login while signed in still draws the login form: the app shell, its assets, no data.
        baseline = timed(loads, shell)
        report("page /login (app shell, baseline)", baseline)
        report("page /overview until KPIs drawn", timed(loads, overview), baseline, "shell")
        browser.close()


def main() -> None:
    # The platform refuses to start without a secret key; a benchmark makes a throwaway one for its servers.
    os.environ.setdefault("BRIGHTKITCHEN_SECRET_KEY", secrets.token_urlsafe(32))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90, help="alerts spread over this many past days")
    parser.add_argument("--requests", type=int, default=50, help="timed API requests per endpoint")
    parser.add_argument("--loads", type=int, default=15, help="timed page loads")
    parser.add_argument("--database-url", default=None, help="an empty database (default: a new SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=args.database_url, jobs_enabled=False)
        migrate.upgrade(settings)
        ctx = PlatformContext.build(settings)
        start = time.perf_counter()
        seed(ctx, args.sites, args.alerts, args.days, random.Random(7))
        ctx.engine.dispose()
        db = settings.resolved_database_url().split(":", 1)[0]
        print(f"{db}: {args.sites} sites, {args.alerts} alerts over {args.days} days "
              f"(seeded in {time.perf_counter() - start:.1f} s)", flush=True)  # fmt: skip
        with server(settings) as base:
            api_figures(base, args.requests)
            page_figures(base, args.loads)


if __name__ == "__main__":
    main()
