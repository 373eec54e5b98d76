"""The README's first command: a demo district where real detections from the real models reach the platform."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_demo_detects_real_violations(tmp_path: Path, models_dir: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIGHTKITCHEN_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "brightkitchen.cli",
            "demo",
            "--data-dir",
            str(tmp_path / "demo"),
            "--port",
            str(port),
            "--models",
            str(models_dir),
            "--duration",
            "150",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        alerts: list[dict[str, object]] = []
        deadline = time.monotonic() + 120
        token = None
        while time.monotonic() < deadline and not alerts:
            time.sleep(3)
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if token is None:
                    resp = httpx.post(f"{base}/api/v1/auth/login", json={"username": "school", "password": "demo-2026"})
                    if resp.status_code != 200:
                        continue
                    token = resp.json()["access_token"]
                page = httpx.get(
                    f"{base}/api/v1/alerts?code=no_mask", headers={"Authorization": f"Bearer {token}"}
                ).json()
                alerts = page["items"]
            except httpx.TransportError:
                continue
        assert alerts, "no no_mask violation reached the platform within two minutes"
        first = alerts[0]
        assert first["code"] == "no_mask"
        detail = httpx.get(f"{base}/api/v1/alerts/{first['id']}", headers={"Authorization": f"Bearer {token}"}).json()
        kinds = {e["kind"]: e for e in detail["evidence"]}
        assert set(kinds) == {"snapshot", "clip"}
        clip = httpx.get(base + str(kinds["clip"]["url"]))
        assert clip.status_code == 200 and clip.content[4:8] == b"ftyp"
        snap = httpx.get(base + str(detail["snapshot_url"]))
        assert snap.status_code == 200 and snap.content[:3] == b"\xff\xd8\xff"
        health = httpx.get(f"{base}/api/v1/devices", headers={"Authorization": f"Bearer {token}"}).json()
        assert health["items"][0]["status"] == "online"
        # The sample cameras play live: the school asks, the edge's first segment reaches the playlist, with
        # the camera's time on it; parents ask the same on the public page.
        auth = {"Authorization": f"Bearer {token}"}
        camera_id = httpx.get(f"{base}/api/v1/cameras", headers=auth).json()["items"][0]["id"]
        grant = httpx.post(f"{base}/api/v1/cameras/{camera_id}/live", headers=auth).json()
        playlist = ""
        for _ in range(60):
            playlist = httpx.get(base + grant["playlist_url"]).text
            if "#EXTINF" in playlist:
                break
            time.sleep(0.5)
        assert "#EXT-X-PROGRAM-DATE-TIME" in playlist and "#EXTINF" in playlist, playlist
        segment = next(line for line in playlist.splitlines() if line.startswith("/api/v1/video/live/"))
        assert httpx.get(base + segment).content[:1] == b"\x47"  # MPEG-TS sync byte
        public = httpx.post(f"{base}/api/v1/public/sites/DEMO-001/cameras/{camera_id}/live")
        assert public.status_code == 200, public.text
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=60)
    assert "demo is running at" in out
    assert "logins" in out
