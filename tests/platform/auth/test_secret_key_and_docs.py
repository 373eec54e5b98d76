"""No platform starts on a known secret key (the demo makes its own), and the Swagger page is off by default."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from brightkitchen.demo.runner import demo_secret_key
from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.security import SecretKeyMissing
from brightkitchen.platform.settings import Settings


@pytest.mark.parametrize("key", ["", "change-me-in-production", "  "])
def test_the_app_refuses_to_start_without_a_secret_key(tmp_path: Path, key: str) -> None:
    with pytest.raises(SecretKeyMissing, match="BRIGHTKITCHEN_SECRET_KEY"):
        create_app(Settings(data_dir=tmp_path, secret_key=key))


def test_serve_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIGHTKITCHEN_")}
    env["BRIGHTKITCHEN_DATA_DIR"] = str(tmp_path / "data")
    cli = [sys.executable, "-m", "brightkitchen.cli", "serve", "--no-migrate", "--port", "1"]
    done = subprocess.run(cli, env=env, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert "BRIGHTKITCHEN_SECRET_KEY is not set" in done.stderr


def test_the_demo_makes_its_own_key_once_and_keeps_it(tmp_path: Path) -> None:
    first = demo_secret_key(tmp_path / "demo")
    assert len(first) >= 40
    assert demo_secret_key(tmp_path / "demo") == first
    assert demo_secret_key(tmp_path / "other") != first
    mode = stat.S_IMODE((tmp_path / "demo" / "secret_key").stat().st_mode)
    assert mode & 0o077 == 0  # only its owner may read it


def test_the_docs_page_is_off_by_default_and_the_schema_stays(client: TestClient, ctx: PlatformContext) -> None:
    assert client.get("/api/v1/docs").status_code == 404
    assert client.get("/api/v1/openapi.json").status_code == 200
    with TestClient(create_app(ctx=PlatformContext.build(ctx.settings.model_copy(update={"api_docs": True})))) as c:
        assert c.get("/api/v1/docs").status_code == 200
