"""The production shape: two stateless platform processes on one PostgreSQL database, driven by the fleet
simulator over HTTP; the simulator proves from the database that no event was lost or doubled."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from tests.support.pg import throwaway_database

PG_URL = os.environ.get("BRIGHTKITCHEN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CLI = [sys.executable, "-m", "brightkitchen.cli"]


@pytest.fixture
def pg_database() -> Iterator[str]:
    with ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_database(PG_URL, "bk_two"))
        except OperationalError:
            pytest.skip("PostgreSQL is not reachable")
        yield url


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_on_postgres_lose_and_double_nothing(pg_database: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIGHTKITCHEN_")}
    env.update(BRIGHTKITCHEN_DATABASE_URL=pg_database, BRIGHTKITCHEN_DATA_DIR=str(tmp_path / "data"),
               BRIGHTKITCHEN_SECRET_KEY="two-process-test", BRIGHTKITCHEN_JOBS_INTERVAL_S="2")  # fmt: skip
    subprocess.run([*CLI, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=tmp_path)
    subprocess.run([*CLI, "user", "create", "root", "--role", "admin", "--password", "root-password-1"],
                   env=env, check=True, capture_output=True, cwd=tmp_path)  # fmt: skip
    port = _port()
    server = subprocess.Popen([*CLI, "serve", "--port", str(port), "--workers", "2", "--no-migrate"], env=env,
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        sim = subprocess.run(
            [*CLI, "simulate", "--url", url, "--username", "root", "--sites", "6", "--cameras-per-site", "2",
             "--duration", "25", "--events-per-site-per-hour", "600", "--heartbeat-interval", "2",
             "--duplicating", "0.5", "--skewed", "0.3", "--flapping", "0.3", "--database-url", pg_database,
             "--workdir", str(tmp_path / "sim")],
            env={**env, "BRIGHTKITCHEN_SIM_PASSWORD": "root-password-1"}, capture_output=True, text=True,
            cwd=tmp_path, timeout=240,
        )  # fmt: skip
        assert sim.returncode == 0, sim.stdout + sim.stderr
        assert "OK: none lost, none doubled" in sim.stdout
        duplicates = int(re.search(r"duplicate \(ok\)\s+(\d+)", sim.stdout).group(1))  # type: ignore[union-attr]
        created = int(re.search(r"created\s+(\d+)", sim.stdout).group(1))  # type: ignore[union-attr]
        assert duplicates > 0 and created > 20, sim.stdout  # resends happened and were absorbed
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert out.count("Started server process") == 2, out  # two worker processes served
