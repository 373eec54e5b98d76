"""A bare clone (no ../shared beside it, no model pack, no network) still gets a running demo."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from brightkitchen.cli import app
from brightkitchen.demo import media, synthetic
from brightkitchen.demo.locate import SHARED_ENV


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bare_env(tmp_path: Path) -> dict[str, str]:
    """No BRIGHTKITCHEN_* settings, the shared folder pointed at an empty one, no installed pack."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIGHTKITCHEN_")}
    (tmp_path / "no-shared").mkdir()
    env[SHARED_ENV] = str(tmp_path / "no-shared")
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    return env


def test_generated_footage_is_a_playable_moving_video(tmp_path: Path) -> None:
    path = synthetic.generated_video(tmp_path / "g.mp4", seconds=2, fps=5, size=(320, 180))
    assert path.read_bytes()[4:8] == b"ftyp"
    frames = list(synthetic.frames(seconds=2, fps=5, size=(320, 180)))
    assert len(frames) == 10 and frames[0].shape == (180, 320, 3)
    assert (frames[0] != frames[3]).any(), "the figures must move"


@pytest.mark.slow
def test_demo_runs_without_shared_folder_or_model_pack(tmp_path: Path) -> None:
    port = _free_port()
    data_dir = tmp_path / "demo"
    args = ["demo", "--data-dir", str(data_dir), "--port", str(port), "--duration", "90"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "brightkitchen.cli", *args],
        env=_bare_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    online = False
    try:
        deadline = time.monotonic() + 75
        token = None
        while time.monotonic() < deadline and not online:
            time.sleep(2)
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if token is None:
                    resp = httpx.post(f"{base}/api/v1/auth/login", json={"username": "school", "password": "demo-2026"})
                    if resp.status_code != 200:
                        continue
                    token = resp.json()["access_token"]
                devices = httpx.get(f"{base}/api/v1/devices", headers={"Authorization": f"Bearer {token}"}).json()
                online = devices["items"][0]["status"] == "online"
            except httpx.TransportError:
                continue
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=60)
    assert online, f"the demo's edge agent never came online:\n{out}"
    assert "demo is running at" in out
    assert "GENERATED sample footage" in out
    assert "BASIC FALLBACK" in out
    footage = data_dir / "footage" / media.GENERATED_NAME
    assert footage.read_bytes()[4:8] == b"ftyp"
    assert "haar" in (data_dir / "edge.log").read_text(encoding="utf-8", errors="replace").lower()


def test_models_install_without_network_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every upstream request goes through a proxy nobody listens on: the machine has no way out.
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{_free_port()}")
    started = time.monotonic()
    result = CliRunner().invoke(app, ["models", "install", "--dir", str(tmp_path / "models")])
    assert result.exit_code == 1
    assert "cannot reach" in result.output and "--from DIR" in result.output
    assert "fallback" in result.output
    assert time.monotonic() - started < 30
    # nothing of the upstream pack arrived; the models this project trained itself ship in the package and install
    installed = {p.parent.name for p in (tmp_path / "models").rglob("*.onnx")}
    assert installed and all(name.startswith("brightkitchen-") for name in installed), installed
