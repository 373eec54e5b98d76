"""The regulator's alert list and overview on a slow line, in Chromium: 4 Mbit/s down, 1 Mbit/s up, 40 ms.

A district with 200 alerts, each with its own 1280x720 JPEG snapshot (generated kitchen frames with camera-like
sensor noise, quality 85 as the edge writes them, about 130 KB each), served by a real uvicorn process twice:

  - as shipped: gzip on, list thumbnails on, the web app's precompressed files present;
  - baseline:   BRIGHTKITCHEN_COMPRESSION=false, BRIGHTKITCHEN_LIST_THUMBNAILS=false (lists load the full
                snapshots) and a copy of the same build without its .gz files.

Each timed load is a first visit (a fresh browser context: empty cache, the session already signed in) with
the line emulated through the DevTools protocol (Network.emulateNetworkConditions). A load is timed from the
navigation until the data is shown: the alert list's rows with every thumbnail in view loaded, the overview's
KPIs and both charts drawn; the bytes are what crossed the line until then (headers included). One untimed
load first makes the thumbnails (made once, then served).

    python bench/slow_line.py
    python bench/slow_line.py --loads 5 --static-dir path/to/build
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from overview_load import CHROMIUM, CHROMIUM_ARGS, PASSWORD, free_port  # bench/ is the script's own folder

from brightkitchen.demo.synthetic import frames
from brightkitchen.platform import migrate
from brightkitchen.platform.alerts.models import Alert, AlertEvidence
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.regions.models import RegionKind
from brightkitchen.platform.regions.service import add_region
from brightkitchen.platform.security import hash_password
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.storage import build_store
from brightkitchen.platform.storage.base import new_key
from brightkitchen.platform.users.models import Role, User
from brightkitchen.platform.webui import STATIC_DIR, STATIC_DIR_ENV
from brightkitchen.protocol.codes import ViolationCode

LINE = {"offline": False, "latency": 40, "downloadThroughput": 4_000_000 / 8, "uploadThroughput": 1_000_000 / 8}
CODES = [c.value for c in ViolationCode if c != ViolationCode.camera_fault]
LIST_SHOWN = """() => {
  const rows = document.querySelectorAll('[data-test=alert-table] .el-table__body tr')
  if (rows.length === 0) return false
  const inView = [...document.querySelectorAll('[data-test=alert-thumb]')].filter((img) => {
    const r = img.getBoundingClientRect()
    return r.bottom > 0 && r.top < window.innerHeight
  })
  return inView.length > 0 && inView.every((img) => img.complete && img.naturalWidth > 0)
}"""
OVERVIEW_SHOWN = """() => document.querySelector('[data-test=kpi-open] .bk-kpi-value') !== null
  && document.querySelectorAll('[data-test=chart] canvas').length >= 2"""


def seed(ctx: PlatformContext, alerts: int) -> int:
    """A district of ten schools, two cameras each; ``alerts`` pushed alerts, each with its own snapshot."""
    rng = np.random.default_rng(7)
    store = build_store(ctx.settings)
    now = datetime.now(UTC)
    total = 0
    with ctx.sessions() as s:
        city = add_region(s, "示范市", "city", RegionKind.city, None)
        district = add_region(s, "示范区分局", "district", RegionKind.district, city)
        street = add_region(s, "示范街道", "street", RegionKind.street, district)
        cameras: list[tuple[int, int]] = []
        for i in range(10):
            site = Site(code=f"S{i:03d}", name=f"第{i + 1}学校", kind="school", region_id=street.id)
            s.add(site)
            s.flush()
            for k in range(2):
                cam = Camera(site_id=site.id, key=f"cam-{k}", name=f"后厨-{k}", status="online", last_seen_at=now)
                s.add(cam)
                s.flush()
                cameras.append((site.id, cam.id))
        s.add(User(username="reg", password_hash=hash_password(PASSWORD), role=Role.regulator, region_id=district.id))
        s.commit()
        for n, frame in enumerate(frames(seconds=max(1, alerts // 10 + 1), fps=10, size=(1280, 720))):
            if n == alerts:
                break
            noisy = np.clip(frame.astype(np.int16) + rng.normal(0, 5, frame.shape).astype(np.int16), 0, 255)
            ok, buf = cv2.imencode(".jpg", noisy.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 85])
            assert ok
            jpeg = buf.tobytes()
            total += len(jpeg)
            site_id, camera_id = cameras[n % len(cameras)]
            created = now - timedelta(minutes=5 * (alerts - n))
            alert = Alert(
                event_id=uuid.uuid4().hex, site_id=site_id, camera_id=camera_id, code=CODES[n % len(CODES)],
                state="pushed", source="edge", score=0.9, started_at=created, ended_at=created, boxes=[],
                frame_width=1280, frame_height=720, created_at=created, pushed_at=created,
                deadline_at=created + timedelta(hours=24), escalate_at=created + timedelta(hours=48),
            )  # fmt: skip
            s.add(alert)
            s.flush()
            key = new_key(site_id, "image/jpeg", created)
            store.put(key, jpeg, "image/jpeg")
            s.add(AlertEvidence(alert_id=alert.id, kind="snapshot", storage_key=key, size=len(jpeg),
                                sha256=hashlib.sha256(jpeg).hexdigest(), content_type="image/jpeg"))  # fmt: skip
        s.commit()
    return total


@contextmanager
def server(settings: Settings, static_dir: Path, shipped: bool) -> Iterator[str]:
    """The platform in its own process, as `brightkitchen serve` runs it."""
    import subprocess

    import httpx

    port = free_port()
    env = {
        **os.environ,
        "BRIGHTKITCHEN_DATABASE_URL": settings.resolved_database_url(),
        "BRIGHTKITCHEN_DATA_DIR": str(settings.data_dir),
        "BRIGHTKITCHEN_JOBS_ENABLED": "false",
        "BRIGHTKITCHEN_COMPRESSION": "true" if shipped else "false",
        "BRIGHTKITCHEN_LIST_THUMBNAILS": "true" if shipped else "false",
        STATIC_DIR_ENV: str(static_dir),
    }
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


@dataclass
class Load:
    ms: float
    bytes: int


def signed_in_state(browser: Any, base: str) -> Any:
    context = browser.new_context(base_url=base, locale="zh-CN")
    page = context.new_page()
    page.goto("/login")
    page.fill("input[data-test=login-username]", "reg")
    page.fill("input[data-test=login-password]", PASSWORD)
    page.click("[data-test=login-submit]")
    page.wait_for_selector("[data-test=kpi-open] .bk-kpi-value", timeout=60_000)
    state = context.storage_state()
    context.close()
    return state


def load(browser: Any, base: str, state: Any, path: str, shown: str) -> Load:
    """One first visit on the slow line: milliseconds until ``shown`` holds, and the bytes moved until then."""
    context = browser.new_context(
        base_url=base, locale="zh-CN", storage_state=state, viewport={"width": 1440, "height": 900}
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    moved: dict[str, float] = {}
    cdp.on("Network.loadingFinished", lambda e: moved.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", LINE)
    start = time.perf_counter()
    page.goto(path, wait_until="commit")
    page.wait_for_function(shown, timeout=120_000, polling=50)
    ms = (time.perf_counter() - start) * 1000
    total = int(sum(moved.values()))
    context.close()
    return Load(ms, total)


def measure(base: str, loads: int) -> dict[str, list[Load]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            state = signed_in_state(browser, base)
            out: dict[str, list[Load]] = {}
            for name, path, shown in (("alert list", "/alerts", LIST_SHOWN), ("overview", "/overview", OVERVIEW_SHOWN)):
                load(browser, base, state, path, shown)  # untimed: thumbnails made once, server warm
                out[name] = [load(browser, base, state, path, shown) for _ in range(loads)]
            return out
        finally:
            browser.close()


def without_gz(static_dir: Path, into: Path) -> Path:
    shutil.copytree(static_dir, into, ignore=shutil.ignore_patterns("*.gz"))
    return into


def main() -> None:
    # The platform refuses to start without a secret key; a benchmark makes a throwaway one for its servers.
    os.environ.setdefault("BRIGHTKITCHEN_SECRET_KEY", secrets.token_urlsafe(32))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--loads", type=int, default=5, help="timed first visits per page and server")
    parser.add_argument("--static-dir", type=Path, default=None, help="the built web app (default: the package's)")
    args = parser.parse_args()
    static_dir = args.static_dir or Path(os.environ.get(STATIC_DIR_ENV) or STATIC_DIR)
    if not (static_dir / "index.html").is_file() or not CHROMIUM.is_file():
        sys.exit("needs the built web app (scripts/web-build) and /usr/bin/chromium with Playwright")
    if not any(static_dir.glob("assets/*.gz")):
        print("note: the build has no .gz files (built before precompression?): scripts arrive compressed on the fly")

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", jobs_enabled=False)
        migrate.upgrade(settings)
        ctx = PlatformContext.build(settings)
        snapshot_bytes = seed(ctx, args.alerts)
        ctx.engine.dispose()
        print(f"{args.alerts} alerts, snapshots 1280x720 averaging {snapshot_bytes / args.alerts / 1024:.0f} KB; "
              f"line 4 Mbit/s down, 1 Mbit/s up, 40 ms; median of {args.loads} first visits", flush=True)  # fmt: skip
        results: dict[str, dict[str, list[Load]]] = {}
        plain = without_gz(static_dir, Path(tmp) / "web-plain")
        for label, shipped, web in (("baseline", False, plain), ("shipped", True, static_dir)):
            with server(settings, web, shipped) as base:
                results[label] = measure(base, args.loads)

    print(f"{'page':<12} {'baseline':>22} {'shipped':>22} {'time':>7} {'bytes':>7}")
    for page in ("alert list", "overview"):
        before, after = results["baseline"][page], results["shipped"][page]
        b_ms, a_ms = statistics.median(x.ms for x in before), statistics.median(x.ms for x in after)
        b_kb, a_kb = statistics.median(x.bytes for x in before) / 1024, statistics.median(x.bytes for x in after) / 1024
        print(f"{page:<12} {b_ms:8.0f} ms {b_kb:8.0f} KB  {a_ms:8.0f} ms {a_kb:8.0f} KB "
              f"{b_ms / a_ms:6.1f}x {b_kb / a_kb:6.1f}x"
              f"{'' if a_ms < 2000 else '   (over the 2 s aim)'}")  # fmt: skip


if __name__ == "__main__":
    main()
