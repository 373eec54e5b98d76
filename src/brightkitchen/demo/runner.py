"""Runs the demo: platform on SQLite in this process, a real edge agent on sample footage in a child process."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
import yaml

from brightkitchen.demo import media, synthetic
from brightkitchen.demo.locate import shared_roots
from brightkitchen.demo.records_seed import seed_records
from brightkitchen.demo.seed import DemoWorld, seed
from brightkitchen.edge import models_pack
from brightkitchen.platform import migrate
from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.settings import Settings


@dataclass(frozen=True)
class DemoOptions:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    models_dir: Path | None = None
    video_seconds: int = 60


def find_models_dir(explicit: Path | None) -> Path | None:
    """The model pack: --models, BRIGHTKITCHEN_MODELS, ../shared/models (``locate``), or where
    `brightkitchen models install` puts it when every file is there (a half-done download is no pack)."""
    candidates = [explicit] if explicit else []
    if os.environ.get("BRIGHTKITCHEN_MODELS"):
        candidates.append(Path(os.environ["BRIGHTKITCHEN_MODELS"]))
    candidates += [root / "models" for root in shared_roots()]
    for cand in candidates:
        if cand is not None and (cand / "yunet").is_dir():
            return cand.resolve()
    installed = models_pack.default_models_dir()
    if all((installed / e.folder / e.file).is_file() for e in models_pack.load_manifest().files):
        return installed.resolve()
    return None


def sample_footage(data_dir: Path, seconds: int) -> Path:
    """Footage from the labelled photographs when there are any, else generated footage (made once, kept)."""
    video = data_dir / "footage" / media.PHOTO_NAME
    if video.exists():
        return video
    try:
        return media.sample_video(video, seconds=seconds)
    except media.NoSampleImages:
        generated = data_dir / "footage" / media.GENERATED_NAME
        return generated if generated.exists() else synthetic.generated_video(generated)


def edge_config(world: DemoWorld, opts: DemoOptions, video: Path, models: Path | None) -> dict[str, object]:
    cameras = [
        {
            "key": key,
            "name": name,
            "url": str(video),
            "source": {"loop": True, "realtime": True, "analysis_fps": 2.0},
            "rules": [
                {"code": "no_mask", "persist_s": 2.0, "cooldown_s": 60.0, "min_score": 0.5},
                {"code": "phone_use", "persist_s": 3.0, "cooldown_s": 120.0},
            ],
        }
        for key, name in zip(world.camera_keys, ("后厨-操作台", "备餐间-出餐口"), strict=False)
    ]
    return {
        "site_code": world.site_code,
        "working_hours": {"start": "00:00:00", "end": "23:59:59"},
        "data_dir": str(opts.data_dir / "edge"),
        "heartbeat_interval_s": 10,
        "models_dir": str(models) if models else str(opts.data_dir / "no-models"),
        "platform": {"url": f"http://{opts.host}:{opts.port}", "device_key_env": "BRIGHTKITCHEN_DEVICE_KEY"},
        "cameras": cameras,
    }


class DemoPlatform:
    """uvicorn in a thread, so the demo is one command and one process tree."""

    def __init__(self, settings: Settings, host: str, port: int) -> None:
        ctx = PlatformContext.build(settings)
        self.ctx = ctx
        config = uvicorn.Config(create_app(ctx=ctx), host=host, port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self, timeout: float = 30.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the platform did not start (is the port taken?)")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def demo_secret_key(data_dir: Path) -> str:
    """The demo's own random key, made once in its data folder and reused, so its links survive a restart."""
    path = data_dir / "secret_key"
    if path.is_file() and path.read_text(encoding="utf-8").strip():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # readable by this user only
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key + "\n")
    return key


def prepare(opts: DemoOptions) -> tuple[Settings, DemoWorld, Path, Path | None]:
    # A local demo: its own key, and the API docs page on (the demo prints its address).
    settings = Settings(data_dir=opts.data_dir, secret_key=demo_secret_key(opts.data_dir), api_docs=True)
    migrate.upgrade(settings)
    ctx = PlatformContext.build(settings)
    with ctx.sessions.begin() as session:
        world = seed(session)
    seed_records(ctx, datetime.now(UTC))  # a week of daily records, with its gaps raised as alerts
    ctx.engine.dispose()
    video = sample_footage(opts.data_dir, opts.video_seconds)
    return settings, world, video, find_models_dir(opts.models_dir)


def start_edge(world: DemoWorld, opts: DemoOptions, video: Path, models: Path | None) -> subprocess.Popen[bytes]:
    config_path = opts.data_dir / "edge.yaml"
    config_path.write_text(
        yaml.safe_dump(edge_config(world, opts, video, models), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    env = {**os.environ, "BRIGHTKITCHEN_DEVICE_KEY": world.device_key}
    log = (opts.data_dir / "edge.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "brightkitchen.cli", "edge", "run", "--config", str(config_path)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
