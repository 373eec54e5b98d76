"""`brightkitchen edge run|check`: run the edge agent, or validate its config and probe each camera."""

from __future__ import annotations

import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from brightkitchen.edge.config import ConfigError, EdgeConfig, load_config

app = typer.Typer(no_args_is_help=True)

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", help="the edge YAML file", show_default=False)]


def _load(path: Path) -> EdgeConfig:
    try:
        return load_config(path)
    except ConfigError as exc:
        typer.echo(f"{len(exc.problems)} problem(s) in the configuration:", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def run(
    config: ConfigOpt,
    log_level: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING or ERROR")] = "INFO",
) -> None:
    """Run the agent until SIGTERM or Ctrl-C; undelivered events stay queued for the next start."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = _load(config)
    from brightkitchen.edge.agent import Agent  # heavy imports after the config is known to be valid
    from brightkitchen.edge.detect.stack import camera_models, stack_factory

    if cfg.platform.url and not cfg.platform.key():
        typer.echo(f"no device key: set platform.device_key or ${cfg.platform.device_key_env}", err=True)
        raise typer.Exit(2)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    agent = Agent(cfg, stack_factory(cfg), camera_models=partial(camera_models, cfg))
    agent.run(stop)
    typer.echo("edge agent stopped")


@app.command()
def check(
    config: ConfigOpt,
    timeout: Annotated[float, typer.Option(help="seconds to wait for each camera's first frame")] = 5.0,
    strict: Annotated[bool, typer.Option(help="exit 1 when any camera does not answer")] = False,
) -> None:
    """Validate the YAML (exit 2 if invalid), then probe every camera at once and print a table."""
    cfg = _load(config)
    from brightkitchen.edge.clock import SystemClock
    from brightkitchen.edge.sources import probe, redact_url

    typer.echo(f"config OK: site {cfg.site_code}, {len(cfg.cameras)} camera(s), data in {cfg.data_dir}")
    if not cfg.cameras:
        return
    clock = SystemClock()
    with ThreadPoolExecutor(max_workers=min(16, len(cfg.cameras))) as pool:
        results = list(pool.map(lambda c: probe(c.url, cfg.source_for(c), timeout, clock), cfg.cameras))
    rows = [("camera", "status", "codec", "size", "fps", "first frame", "url / error")]
    for cam, r in zip(cfg.cameras, results, strict=True):
        if r.ok:
            rows.append((cam.key, "online", r.codec, f"{r.width}x{r.height}", f"{r.stream_fps:.1f}",
                         f"{r.first_frame_s:.2f}s", redact_url(cam.url)))  # fmt: skip
        else:
            rows.append((cam.key, "offline", "-", "-", "-", "-", r.error or "no frame"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)) + "  " + row[-1])
    failed = sum(not r.ok for r in results)
    typer.echo(f"{len(results) - failed}/{len(results)} camera(s) answered")
    if strict and failed:
        raise typer.Exit(1)
