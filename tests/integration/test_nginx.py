"""The shipped nginx config in front of two `brightkitchen serve` processes (two hosts' worth, on two ports) on one
PostgreSQL database: traffic reaches both, devices get through, live updates cross processes, a dead upstream
is skipped, the platform sees the client address nginx forwards, and the device rate limit is one across both."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import create_engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from brightkitchen.cli.serve_cmd import server_options
from brightkitchen.platform import migrate
from brightkitchen.platform.auth.models import RateCounter
from brightkitchen.platform.redis_client import connect
from brightkitchen.platform.security import sign
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support as s
from tests.platform.feed.sse import open_stream
from tests.support.pg import throwaway_database

REPO_ROOT = Path(__file__).resolve().parents[2]
CONF = REPO_ROOT / "deploy" / "nginx" / "brightkitchen.conf"
NGINX = Path("/usr/sbin/nginx")
PG_URL = (
    os.environ.get("BRIGHTKITCHEN_TEST_DATABASE_URL")
    or os.environ.get("BRIGHTKITCHEN_TEST_PG_URL")
    or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BRIGHTKITCHEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CLI = [sys.executable, "-m", "brightkitchen.cli"]
SECRET = "nginx-test-secret"
BURST = 4  # device requests allowed before the (very slow) refill; shared by both upstreams through Redis
CLIENT_IP, SPOOFED_IP, DIRECT_IP = "127.0.0.2", "198.51.100.7", "127.0.0.3"  # all loopback on Linux


@pytest.fixture
def pg_database() -> Iterator[str]:
    if not NGINX.is_file():
        if os.environ.get("CI"):
            pytest.fail("/usr/sbin/nginx is missing; .ci/run installs nginx-light")
        pytest.skip("/usr/sbin/nginx is not installed (Debian: apt-get install nginx-light); CI installs it")
    with ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_database(PG_URL, "bk_nginx"))
        except OperationalError:
            pytest.skip("PostgreSQL is not reachable")
        yield url


def site_config(upstreams: list[int], port: int, redirect_port: int) -> str:
    """The shipped file with test addresses: upstream ports, plain HTTP on loopback (no certificate here)."""
    hosts = {f"10.0.0.{11 + i}:8000": f"127.0.0.1:{port}" for i, port in enumerate(upstreams)}
    conf, n = re.subn(r"10\.0\.0\.\d+:8000", lambda m: hosts[m.group(0)], CONF.read_text())
    assert n == len(upstreams) + 1, "the upstream blocks changed; update this test"  # + the video host
    listens = {"listen 80;": f"listen 127.0.0.1:{redirect_port};", "listen 443 ssl http2;": f"listen 127.0.0.1:{port};"}
    for old, new in listens.items():
        assert old in conf, f"{old!r} is no longer in {CONF.name}; update this test"
        conf = conf.replace(old, new)
    return re.sub(r"^\s*ssl_certificate.*\n", "", conf, flags=re.MULTILINE)


def main_config(prefix: Path, site: Path) -> str:
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = "\n".join(f"    {kind}_temp_path {prefix / kind};" for kind in kinds)
    user = "user root;\n" if os.geteuid() == 0 else ""  # as root, workers would otherwise drop to nobody
    return (
        f"{user}worker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} warn;\n"
        f"events {{ worker_connections 256; }}\n"
        f"http {{\n    access_log {prefix / 'access.log'};\n{temp}\n    include {site};\n}}\n"
    )


def wait_until_up(url: str, proc: subprocess.Popen[Any], log: Path, within_s: float = 60.0) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text() if log.exists() else "exited"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not come up: {log.read_text() if log.exists() else ''}")


def requests_in(log: Path, line: str) -> int:
    return sum(1 for row in log.read_text().splitlines() if line in row)


def address_bucket(client: str) -> str:
    return sign(SECRET, f"login-address\n{client}".encode())  # how the login throttle keys a client address


@pytest.mark.slow
@pytest.mark.postgres
def test_nginx_in_front_of_two_serve_processes(pg_database: str, tmp_path: Path) -> None:
    try:
        connect(REDIS_URL).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({exc}); CI runs one")
    data = tmp_path / "data"
    migrate.upgrade(Settings(database_url=pg_database, data_dir=data, secret_key=SECRET))
    engine = create_engine(pg_database)
    with Session(engine) as session:
        w = f.world(session)
        keys = dict(w.device_keys)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIGHTKITCHEN_")}
    env.update(BRIGHTKITCHEN_DATABASE_URL=pg_database, BRIGHTKITCHEN_DATA_DIR=str(data),
               BRIGHTKITCHEN_SECRET_KEY=SECRET, BRIGHTKITCHEN_JOBS_ENABLED="false",
               BRIGHTKITCHEN_COMPRESSION="false", PYTHONUNBUFFERED="1",
               BRIGHTKITCHEN_REDIS_URL=REDIS_URL, BRIGHTKITCHEN_REDIS_PREFIX=f"bk-nginx-test:{uuid.uuid4().hex[:8]}:",
               BRIGHTKITCHEN_DEVICE_RATE_PER_S="0.01", BRIGHTKITCHEN_DEVICE_RATE_BURST=str(BURST))  # fmt: skip
    ports = [s.free_port(), s.free_port()]
    logs = [tmp_path / f"upstream-{i}.log" for i in range(2)]
    procs: list[subprocess.Popen[Any]] = []
    for port, log in zip(ports, logs, strict=True):
        cmd = [*CLI, "serve", "--port", str(port), "--no-migrate", "--forwarded-allow-ips", "127.0.0.1"]
        with log.open("w") as out:
            procs.append(subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT))
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    port = s.free_port()
    (prefix / "brightkitchen.conf").write_text(site_config(ports, port, s.free_port()))
    (prefix / "nginx.conf").write_text(main_config(prefix, prefix / "brightkitchen.conf"))
    nginx_cmd = [str(NGINX), "-c", str(prefix / "nginx.conf"), "-p", str(prefix), "-g", "daemon off;"]
    nginx = subprocess.Popen(nginx_cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for p, proc, log in zip(ports, procs, logs, strict=True):
            wait_until_up(f"http://127.0.0.1:{p}/api/v1/health", proc, log)
        wait_until_up(f"{url}/api/v1/health", nginx, prefix / "error.log", within_s=10)
        with httpx.Client(base_url=url, timeout=10) as client:
            # Both upstreams serve; nginx (not the platform, compression is off there) gzips JSON.
            assert all(client.get("/api/v1/health").status_code == 200 for _ in range(6))
            assert all(requests_in(log, "GET /api/v1/health") >= 2 for log in logs), [p.read_text() for p in logs]
            schema = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
            assert schema.status_code == 200 and schema.headers["content-encoding"] == "gzip"

            # Devices: a heartbeat and an event with a snapshot.
            device = s.device_headers(keys["A1"])
            beat = {"sent_at": datetime.now(UTC).isoformat(), "software_version": "1.0", "cameras": []}
            assert client.post("/api/v1/device/heartbeats", headers=device, json=beat).status_code == 204
            event = client.post("/api/v1/device/events", headers=device, **s.parts(s.event(), s.jpeg_bytes()))
            assert event.status_code == 201, event.text

            # Live updates: a stream through nginx gets an alert raised on the other upstream within seconds.
            admin = f.login(client, "admin")
            with open_stream(url, admin, read_timeout_s=6) as stream:
                streaming = [requests_in(log, "GET /api/v1/feed/stream") for log in logs]
                assert sorted(streaming) == [0, 1], streaming
                other = ports[streaming.index(0)]
                direct = httpx.post(f"http://127.0.0.1:{other}/api/v1/device/events",
                                    headers=s.device_headers(keys["A2"]),
                                    **s.parts(s.event(site_code="A2", camera_key="cam-a2")))  # fmt: skip
                assert direct.status_code == 201, direct.text
                alert_id = direct.json()["alert_id"]
                stream.until(lambda e: e.event == "alert" and e.data["alert_id"] == alert_id, within_s=5)

        # The client address: the one nginx saw (a client's own X-Forwarded-For ignored) ...
        spoof = {"X-Forwarded-For": SPOOFED_IP}
        bad_login = {"username": "admin", "password": "not-the-password"}
        local = httpx.HTTPTransport(local_address=CLIENT_IP)
        with httpx.Client(base_url=url, transport=local, timeout=10) as client:
            assert client.post("/api/v1/auth/login", json=bad_login, headers=spoof).status_code == 401
        # ... and X-Forwarded-For is not believed from anyone but the proxy.
        direct_tr = httpx.HTTPTransport(local_address=DIRECT_IP)
        with httpx.Client(base_url=f"http://127.0.0.1:{ports[0]}", transport=direct_tr, timeout=10) as client:
            assert client.post("/api/v1/auth/login", json=bad_login, headers=spoof).status_code == 401
        with Session(engine) as session:
            buckets = set(session.scalars(select(RateCounter.bucket)))
        assert address_bucket(CLIENT_IP) in buckets and address_bucket(DIRECT_IP) in buckets
        assert address_bucket(SPOOFED_IP) not in buckets

        with httpx.Client(base_url=url, timeout=10) as client:
            # One device budget across both upstreams (Redis): the burst, then 429, wherever the request lands.
            limited = s.device_headers(keys["B1"])
            beats = [client.post("/api/v1/device/heartbeats", headers=limited, json=beat) for _ in range(BURST + 2)]
            codes = [r.status_code for r in beats]
            assert codes == [204] * BURST + [429, 429], codes
            assert all(requests_in(log, "POST /api/v1/device/heartbeats") >= 2 for log in logs)

            # One upstream dies: nginx sends everything to the other.
            procs[0].terminate()
            procs[0].wait(timeout=15)
            assert all(client.get("/api/v1/health").status_code == 200 for _ in range(4))
            assert client.post("/api/v1/device/heartbeats", headers=device, json=beat).status_code == 204
    finally:
        nginx.terminate()
        for proc in procs:
            proc.terminate()
        for proc in (nginx, *procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        engine.dispose()


def test_the_deployment_guide_shows_the_shipped_config() -> None:
    guide = (REPO_ROOT / "docs" / "deployment.md").read_text()
    assert f"```nginx\n{CONF.read_text()}```" in guide, "copy deploy/nginx/brightkitchen.conf into docs/deployment.md"


def test_serve_passes_the_trusted_proxies_to_uvicorn() -> None:
    assert "forwarded_allow_ips" not in server_options("0.0.0.0", 8000, 2)  # uvicorn's default: loopback only
    assert server_options("0.0.0.0", 8000, 2, forwarded_allow_ips="10.0.0.5")["forwarded_allow_ips"] == "10.0.0.5"
