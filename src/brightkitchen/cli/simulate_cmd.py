"""`brightkitchen simulate`: a district of edge servers driving a platform over its real HTTP API."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import typer

from brightkitchen.demo import media
from brightkitchen.simulate.fleet import Evidence, FleetPlan, Tally, run_fleet
from brightkitchen.simulate.provision import ProvisionError, login, provision
from brightkitchen.simulate.report import summary_lines, verify_in_database


def _evidence(workdir: Path) -> Evidence:
    frame = media.compose_frame(media.scene_images(True, 2))
    jpeg = media.encode_jpeg(frame, quality=70)
    clip_frames = [media.compose_frame(media.scene_images(True, 2), (640, 360))] * 20
    mp4 = media.write_mp4(clip_frames, workdir / "sim-clip.mp4", fps=10).read_bytes()
    return Evidence(jpeg=jpeg, mp4=mp4, width=frame.shape[1], height=frame.shape[0])


def _progress(tally: Tally, started: float, stop: threading.Event, every_s: float) -> None:
    while not stop.wait(every_s):
        elapsed = time.monotonic() - started
        typer.echo(
            f"[{elapsed:6.0f} s] events {tally.events_sent} (new {tally.events_created}, dup {tally.events_duplicate},"
            f" failed {tally.events_failed})  heartbeats {tally.heartbeats_sent} (failed {tally.heartbeats_failed})",
            err=True,
        )


def simulate(
    url: str = typer.Option("http://127.0.0.1:8000", help="platform base URL"),
    username: str = typer.Option("admin", help="admin account used to provision the simulated district"),
    password: str = typer.Option(..., prompt=True, hide_input=True, envvar="BRIGHTKITCHEN_SIM_PASSWORD"),
    sites: int = typer.Option(91, min=1, help="number of simulated sites (one edge server each)"),
    cameras_per_site: int = typer.Option(6, min=1, max=64),
    duration: float = typer.Option(600.0, min=1.0, help="seconds to run"),
    events_per_site_per_hour: float = typer.Option(12.0, min=0.0, help="violation rate per site"),
    heartbeat_interval: float = typer.Option(30.0, min=0.5, help="seconds between a device's heartbeats"),
    duplicating: float = typer.Option(0.05, min=0.0, max=1.0, help="share of devices that send every event twice"),
    skewed: float = typer.Option(0.05, min=0.0, max=1.0, help="share of devices whose clock is minutes off"),
    flapping: float = typer.Option(0.1, min=0.0, max=1.0, help="share of cameras that go offline and back"),
    database_url: str | None = typer.Option(
        None,
        help="platform database URL: when given, the summary proves from the database that no event was "
        "lost or doubled",
    ),
    workdir: Path = typer.Option(Path("var/simulate"), help="where the evidence clip is prepared"),
) -> None:
    """Provision SIM-001… sites through the API, then run their edge servers for DURATION seconds."""
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        evidence = _evidence(workdir)
    except media.NoSampleImages as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    with httpx.Client(base_url=url, timeout=30.0) as client:
        try:
            login(client, username, password)
            fleet = provision(client, sites, cameras_per_site)
        except (ProvisionError, httpx.HTTPError) as exc:
            typer.echo(f"error: cannot provision the simulated district: {exc}", err=True)
            raise typer.Exit(1) from exc
    typer.echo(f"provisioned {len(fleet)} sites x {cameras_per_site} cameras; running {duration:.0f} s", err=True)
    plan = FleetPlan(
        duration_s=duration,
        events_per_site_per_hour=events_per_site_per_hour,
        heartbeat_interval_s=heartbeat_interval,
        duplicating_fraction=duplicating,
        skewed_fraction=skewed,
        flapping_fraction=flapping,
    )
    tally = Tally()
    started = time.monotonic()
    run_started = datetime.now(UTC)
    stop = threading.Event()
    ticker = threading.Thread(target=_progress, args=(tally, started, stop, 10.0), daemon=True)
    ticker.start()
    try:
        asyncio.run(run_fleet(url, fleet, plan, evidence, tally))
    finally:
        stop.set()
    check = verify_in_database(database_url, tally.accepted_ids) if database_url else None
    for line in summary_lines(tally, time.monotonic() - started, check):
        typer.echo(line)
    typer.echo(f"started at {run_started.isoformat()}")
    if tally.events_failed or (check is not None and not check.ok):
        raise typer.Exit(1)
