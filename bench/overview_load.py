"""The regulator's overview and alert list under a district's (or a province's) worth of data, served by a
real uvicorn process on SQLite, or on PostgreSQL seeded in SQL (generate_series, not row by row).

Prints the median and p95 of
  - GET /api/v1/stats/overview (the regulator's KPIs) and GET /api/v1/alerts (the first page, a filtered page,
    a keyset page deep in, a school's first page) against the same run's GET /api/v1/health;
  - the overview page in Chromium, from navigation until the KPIs are drawn, against the login page
    (the app shell without data) — when the web app is built and /usr/bin/chromium and Playwright exist.

    python bench/overview_load.py                          # SQLite, 100 sites, 100,000 alerts
    python bench/overview_load.py --alerts 20000 --requests 20
    python bench/overview_load.py --pg --alerts 10000000   # a throwaway PostgreSQL database, 27,000 sites
    python bench/overview_load.py --alerts 1000000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bk

On PostgreSQL the alerts are spread over --days (default there: three years), the daily rollups are rebuilt
and the tables analysed before anything is timed; the regulator is the whole region's.
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
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pg_scratch import throwaway_pg
from sqlalchemy import func, insert, select, text

from brightkitchen.platform import migrate
from brightkitchen.platform.alerts.models import Alert, AlertState
from brightkitchen.platform.alerts.rollups import rebuild
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.keyset import encode_cursor
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
# Alerts older than this are settled, as in a district that works: deadlines are hours to days, escalation
# follows, so a three-year history does not hold millions of alerts still open (the in-flight shares above
# apply to the recent ones only).
SETTLED_AFTER = timedelta(days=30)
IN_FLIGHT = ("new", "pushed", "rectifying", "submitted")


def settled(state: str, created: datetime, now: datetime) -> str:
    return "closed" if state in IN_FLIGHT and created < now - SETTLED_AFTER else state


SCHOOL = "school"  # a school admin of the first site, for the list as a school sees it


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
        s.add(User(username=SCHOOL, password_hash=hash_password(PASSWORD), role=Role.school_admin,
                   site_id=cameras[0][0]))  # fmt: skip
        s.commit()

        weights = [w for _, w in STATES]
        rows: list[dict[str, Any]] = []
        for _ in range(alerts):
            site_id, camera_id = rng.choice(cameras)
            created = now - timedelta(seconds=rng.uniform(0, days * 86400))
            state = settled(rng.choices([st for st, _ in STATES], weights)[0], created, now)
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


# One INSERT ... SELECT per million alerts: ids follow receipt time as they do live (and the rows lie in the
# table in that order, as live ones do), each alert on a random camera (and its site), states and codes drawn
# with the shares above.
_ALERTS_SQL = """
INSERT INTO alerts (id, event_id, site_id, camera_id, device_id, code, state, source, score, started_at, ended_at,
  boxes, track_id, model_name, model_version, frame_width, frame_height, test, detail, created_at, deadline_at,
  escalate_at, escalated_at, pushed_at, submitted_at, closed_at, false_positive_reason, open_fault_key,
  detection_count, last_seen_at)
SELECT g.i, 'bench-' || g.i, c.site_id, c.id, NULL, (ARRAY[{codes}])[1 + floor(g.rc * {ncodes})::int], g.state,
  'edge', round((0.5 + g.rs / 2)::numeric, 3), g.created - interval '5 seconds', g.created, '[]', NULL, 'bench',
  '1', 1280, 720, false, '', g.created, g.created + interval '24 hours', g.created + interval '48 hours',
  CASE WHEN g.re < 0.03 THEN g.created + interval '48 hours' END,
  CASE WHEN g.state <> 'new' THEN g.created END,
  CASE WHEN g.state IN ('submitted', 'closed') THEN g.created + g.took END,
  CASE WHEN g.state = 'closed' THEN g.created + g.took + interval '1 hour' END,
  CASE WHEN g.state = 'false_positive' THEN 'bench' END, NULL, 1, g.created
FROM (
  SELECT i, random() AS rc, random() AS rs, random() AS re, 1 + floor(random() * :ncams)::int AS rn,
    CAST(:start AS timestamptz) + make_interval(secs => (i - 1) * :step + random() * :step) AS created,
    interval '1 hour' * (1 + random() * 29) AS took,
    CASE {states} END AS drawn
  FROM (SELECT i, random() AS r FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS i) AS x
) AS g0
CROSS JOIN LATERAL (SELECT CASE WHEN g0.created < CAST(:settled AS timestamptz) AND g0.drawn IN ({in_flight})
  THEN 'closed' ELSE g0.drawn END AS state) AS st
CROSS JOIN LATERAL (SELECT g0.*, st.state) AS g
JOIN (SELECT row_number() OVER (ORDER BY id) AS rn, id, site_id FROM cameras) AS c ON c.rn = g.rn
ORDER BY g.i
"""


def _states_case() -> str:
    parts, upto = [], 0.0
    for state, share in STATES:
        upto += share
        parts.append(f"WHEN r < {upto:.4f} THEN '{state}'")
    return " ".join(parts) + f" ELSE '{STATES[0][0]}'"


def seed_pg(ctx: PlatformContext, sites: int, alerts: int, days: int, cameras: int, evidence: float) -> None:
    """A province: regions, sites, devices and cameras by bulk insert, then the alerts (and a snapshot for a
    share of them) in SQL, with the alerts' secondary indexes built once afterwards rather than row by row."""
    now = datetime.now(UTC)
    rng = random.Random(7)
    with ctx.sessions() as s:
        city = add_region(s, "示范省", "province", RegionKind.city, None)
        streets = []
        for d in range(max(1, sites // 2000)):
            district = add_region(s, f"第{d + 1}区", f"district-{d}", RegionKind.district, city)
            streets += [add_region(s, f"街道{d}-{k}", f"street-{d}-{k}", RegionKind.street, district)
                        for k in range(10)]  # fmt: skip
        s.execute(insert(Site), [{"code": f"S{i:05d}", "name": f"第{i + 1}学校", "kind": "school",
                                  "region_id": streets[i % len(streets)].id} for i in range(sites)])  # fmt: skip
        site_ids = list(s.scalars(select(Site.id).order_by(Site.id)))
        online = {sid: rng.random() < 0.9 for sid in site_ids}
        seen = {True: now + timedelta(hours=2), False: now - timedelta(days=1)}
        status = {True: "online", False: "offline"}
        s.execute(insert(Device), [{"site_id": sid, "name": f"edge-{sid}", "status": status[online[sid]],
                                    "last_heartbeat_at": seen[online[sid]]} for sid in site_ids])  # fmt: skip
        s.execute(insert(Camera), [{"site_id": sid, "key": f"cam-{k}", "name": f"后厨-{k}",
                                    "status": status[online[sid]], "last_seen_at": seen[online[sid]]}
                                   for sid in site_ids for k in range(cameras)])  # fmt: skip
        s.add(User(username="reg", password_hash=hash_password(PASSWORD), role=Role.regulator, region_id=city.id))
        s.add(User(username=SCHOOL, password_hash=hash_password(PASSWORD), role=Role.school_admin,
                   site_id=site_ids[0]))  # fmt: skip
        s.commit()

    with ctx.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # no per-row foreign key checks
        indexes = conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'alerts' AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = 'alerts'::regclass)")).all()  # fmt: skip
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        ncams = conn.execute(text("SELECT count(*) FROM cameras")).scalar_one()
        sql = text(_ALERTS_SQL.format(codes=", ".join(f"'{c}'" for c in CODES), ncodes=len(CODES),
                                      states=_states_case(),
                                      in_flight=", ".join(f"'{st}'" for st in IN_FLIGHT)))  # fmt: skip
        start, step = now - timedelta(days=days), days * 86400 / max(alerts, 1)
        for lo in range(1, alerts + 1, 1_000_000):
            hi = min(alerts, lo + 999_999)
            conn.execute(sql, {"lo": lo, "hi": hi, "ncams": ncams, "start": start, "step": step,
                               "settled": now - SETTLED_AFTER})  # fmt: skip
            print(f"  alerts {hi:,} / {alerts:,}", flush=True)
        conn.execute(text("SELECT setval('alerts_id_seq', (SELECT max(id) FROM alerts))"))
        conn.execute(text(
            "INSERT INTO alert_evidence (alert_id, kind, storage_key, sha256, size, content_type) "
            "SELECT id, 'snapshot', site_id || to_char(created_at, '/YYYY/MM/DD/') || md5(id::text) || '.jpg', "
            "repeat('0', 64), 45000, 'image/jpeg' "
            "FROM alerts WHERE random() < :share"), {"share": evidence})  # fmt: skip
        conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        for name, definition in indexes:
            conn.execute(text(definition))
            print(f"  index {name}", flush=True)


def finish(ctx: PlatformContext, settings: Settings) -> None:
    """What a bulk import needs before it is read: the daily rollups from the raw alerts, and fresh statistics."""
    with ctx.sessions() as s:
        rows = rebuild(s, settings, since=None)
        s.commit()
    print(f"  rollups rebuilt: {rows:,} rows", flush=True)
    if ctx.engine.dialect.name == "postgresql":
        with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


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
        deadline = time.monotonic() + 120  # a loaded machine starts slowly
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
    line = f"{name:<42} median {med:8.1f} ms   p95 {tail:8.1f} ms"
    if baseline:
        line += f"   = {med / statistics.median(baseline):6.1f}x / {tail / p95(baseline):6.1f}x {base_name}"
    print(line, flush=True)


@dataclass(frozen=True)
class Probe:
    """What the list figures need from the seeded data: a middle alert id and a site."""

    mid_id: int
    site_id: int
    now: datetime


def api_figures(base: str, requests: int, probe: Probe, stats_requests: int) -> None:
    with httpx.Client(base_url=base, timeout=120) as client:

        def login(username: str) -> dict[str, str]:
            token = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD}).json()
            return {"Authorization": f"Bearer {token['access_token']}"}

        reg, school = login("reg"), login(SCHOOL)

        def get(path: str, headers: dict[str, str] = reg) -> Callable[[], None]:
            def call() -> None:
                resp = client.get(path, headers=headers)
                assert resp.status_code == 200, resp.text

            return call

        day = timedelta(days=1)
        recent = (probe.now - 30 * day).strftime("%Y-%m-%dT%H:%M:%SZ")
        year_ago = (probe.now - 365 * day).strftime("%Y-%m-%dT%H:%M:%SZ")
        week_later = (probe.now - 358 * day).strftime("%Y-%m-%dT%H:%M:%SZ")
        deep = encode_cursor("-id", probe.mid_id, probe.mid_id)
        lists = {
            "alerts?size=20 (first page)": "",
            "  state=new,pushed&code=smoking&since=30d": f"&state=new,pushed&code=smoking&since={recent}",
            "  site_id=one school": f"&site_id={probe.site_id}",
            "  since..until: a week a year ago": f"&since={year_ago}&until={week_later}",
            "  sort=-created_at": "&sort=-created_at",
            "  cursor halfway down": f"&cursor={deep}",
            "  page=500 (offset 9,980)": "&page=500",
        }
        health = timed(requests, get("/api/v1/health"))
        report("GET /api/v1/health (baseline)", health)
        if stats_requests:
            overview = timed(stats_requests, get("/api/v1/stats/overview"), warmup=1)
            report("GET /api/v1/stats/overview", overview, health, "health")
        for name, query in lists.items():
            report(f"GET {name}" if query == "" else name, timed(requests, get(f"/api/v1/alerts?size=20{query}")),
                   health, "health")  # fmt: skip
        body = client.get("/api/v1/alerts?size=20", headers=reg).json()
        print(f"  (list total {body['total']:,}, estimated: {body['total_estimated']})", flush=True)
        report("  a school's first page", timed(requests, get("/api/v1/alerts?size=20", school)), health, "health")
        if stats_requests:
            ranking = timed(stats_requests, get("/api/v1/stats/ranking"), warmup=1)
            report("GET /api/v1/stats/ranking", ranking, health, "health")


def page_figures(base: str, loads: int) -> None:
    if not loads:
        return
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
    parser.add_argument("--sites", type=int, default=None, help="default 100; 27,000 on PostgreSQL")
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=None, help="alerts over this many past days (90; PG: 1095)")
    parser.add_argument("--cameras", type=int, default=2, help="cameras per site")
    parser.add_argument("--evidence", type=float, default=0.2, help="PostgreSQL: share of alerts with a snapshot")
    parser.add_argument("--requests", type=int, default=50, help="timed API requests per endpoint")
    parser.add_argument(
        "--stats-requests", type=int, default=None, help="for overview and ranking (default: as --requests; 0: skip)"
    )
    parser.add_argument("--loads", type=int, default=15, help="timed page loads")
    parser.add_argument("--database-url", default=None, help="an empty database (default: a new SQLite file)")
    parser.add_argument(
        "--pg", action="store_true", help="a throwaway PostgreSQL database (BRIGHTKITCHEN_BENCH_PG_URL)"
    )
    parser.add_argument(
        "--reuse", action="store_true",
        help="with --database-url: a database this bench seeded before; time it again without seeding",
    )  # fmt: skip
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        url = stack.enter_context(throwaway_pg()) if args.pg else args.database_url
        pg = url is not None and url.startswith("postgresql")
        sites = args.sites or (27_000 if pg else 100)
        days = args.days or (1095 if pg else 90)
        settings = Settings(data_dir=Path(tmp), database_url=url, jobs_enabled=False)
        migrate.upgrade(settings)
        ctx = PlatformContext.build(settings)
        start = time.perf_counter()
        if args.reuse:
            with ctx.sessions() as s:
                args.alerts = s.scalar(select(func.count()).select_from(Alert)) or 0
                sites = s.scalar(select(func.count()).select_from(Site)) or 0
        elif pg:
            seed_pg(ctx, sites, args.alerts, days, args.cameras, args.evidence)
        else:
            seed(ctx, sites, args.alerts, days, random.Random(7))
        seeded = time.perf_counter() - start
        if not args.reuse:
            finish(ctx, settings)
        with ctx.sessions() as s:
            ids = sorted(s.scalars(select(Alert.id)).all()) if not pg else []
            mid_id = ids[len(ids) // 2] if ids else args.alerts // 2
            probe = Probe(mid_id, s.scalars(select(Site.id).order_by(Site.id)).first() or 0, datetime.now(UTC))
        ctx.engine.dispose()
        db = settings.resolved_database_url().split(":", 1)[0]
        print(f"{db}: {sites} sites, {args.alerts} alerts over {days} days (seeded in {seeded:.1f} s, "
              f"ready in {time.perf_counter() - start:.1f} s)", flush=True)  # fmt: skip
        with server(settings) as base:
            stats = args.requests if args.stats_requests is None else args.stats_requests
            api_figures(base, args.requests, probe, stats)
            page_figures(base, args.loads)


if __name__ == "__main__":
    main()
