"""`brightkitchen simulate`: a district of edge servers driving a platform over its real HTTP API."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import typer

from brightkitchen.demo import media
from brightkitchen.simulate.bulk import provision_bulk
from brightkitchen.simulate.fleet import Evidence, FleetPlan, Tally, run_fleet
from brightkitchen.simulate.light import LightPlan, Snapshot, percentile_ms, run_light, small_snapshot
from brightkitchen.simulate.provision import ProvisionError, SimSite, login, provision
from brightkitchen.simulate.report import (
    light_summary_lines,
    summary_lines,
    verify_heartbeats,
    verify_in_database,
)


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


LIGHT_ABOVE_SITES = 1000


def _light_progress(planned_per_s: float, every_s: float) -> Callable[[int, Snapshot], None]:
    def show(tick: int, snap: Snapshot) -> None:
        typer.echo(
            f"[{tick * every_s:6.0f} s] heartbeats {snap.heartbeats_sent} ({snap.window_heartbeats / every_s:.0f}/s "
            f"of {planned_per_s:.0f}/s planned, late p99 {percentile_ms(snap.window_lateness_ms, 0.99)} ms, "
            f"failed {snap.heartbeats_failed})  events {snap.events_sent} (new {snap.events_created}, "
            f"dup {snap.events_duplicate}, failed {snap.events_failed})",
            err=True,
        )

    return show


def simulate(
    url: str = typer.Option("http://127.0.0.1:8000", help="platform base URL"),
    username: str = typer.Option("admin", help="admin account used to provision the simulated district"),
    password: str | None = typer.Option(
        None, envvar="BRIGHTKITCHEN_SIM_PASSWORD", help="its password (asked for when provisioning through the API)"
    ),
    sites: int = typer.Option(91, min=1, help="number of simulated sites (one edge server each)"),
    cameras_per_site: int = typer.Option(6, min=1, max=64),
    duration: float = typer.Option(600.0, min=1.0, help="seconds to run"),
    light: bool | None = typer.Option(
        None,
        "--light/--full",
        help="light mode: heartbeats spread evenly over the interval and rare events with a small snapshot only, "
        "pre-built requests on a bounded pool of keep-alive connections, from --processes client processes; "
        "full mode: one task per device with evidence video, flapping cameras. "
        f"Default: light above {LIGHT_ABOVE_SITES} sites",
    ),
    processes: int = typer.Option(1, min=1, max=64, help="light mode: client processes, each with a share of devices"),
    connections: int = typer.Option(32, min=1, max=1000, help="light mode: heartbeat connections per process"),
    events_per_site_per_hour: float | None = typer.Option(
        None, min=0.0, help="violation rate per site (default 12, light mode 0.5)"
    ),
    heartbeat_interval: float = typer.Option(30.0, min=0.5, help="seconds between a device's heartbeats"),
    duplicating: float = typer.Option(0.05, min=0.0, max=1.0, help="share of devices that send every event twice"),
    skewed: float = typer.Option(0.05, min=0.0, max=1.0, help="share of devices whose clock is minutes off"),
    flapping: float | None = typer.Option(
        None, min=0.0, max=1.0, help="share of cameras that go offline and back (default 0.1, light mode 0.005)"
    ),
    database_url: str | None = typer.Option(
        None,
        help="platform database URL: when given, the summary proves from the database that no event was "
        "lost or doubled (and, in light mode, that every device's last acknowledged heartbeat was recorded); "
        "in light mode the fleet is then also provisioned straight into this database (a test-bed shortcut)",
    ),
    proof_wait: float = typer.Option(
        3.0,
        min=0.0,
        help="light mode: seconds to wait before the database proof (the platform may write heartbeats in batches)",
    ),
    proof_slack: float = typer.Option(
        3.0,
        min=0.0,
        help="light mode: how much later than its acknowledgement a "
        "heartbeat may be recorded (a couple of heartbeat flush intervals)",
    ),
    min_pace: float = typer.Option(
        0.95, min=0.0, max=1.0, help="light mode: fail unless this share of the planned heartbeats was acknowledged"
    ),
    progress_every: float = typer.Option(10.0, min=0.5, help="seconds between progress lines"),
    workdir: Path = typer.Option(Path("var/simulate"), help="where the evidence clip is prepared"),
) -> None:
    """Provision SIM-001… sites, then run their edge servers for DURATION seconds.

    Light mode with --database-url provisions the fleet straight into the database through the platform's models
    (a test-bed shortcut, seconds for 27,000 sites, re-run safe: the same fleet is found and its keys re-issued);
    otherwise through the admin API, one request per site, camera and device."""
    light_mode = light if light is not None else sites > LIGHT_ABOVE_SITES
    if light_mode:
        _simulate_light(
            url, username, password, sites, cameras_per_site, database_url,
            LightPlan(
                duration_s=duration, heartbeat_interval_s=heartbeat_interval,
                events_per_site_per_hour=0.5 if events_per_site_per_hour is None else events_per_site_per_hour,
                connections=connections, skewed_fraction=skewed, duplicating_fraction=duplicating,
                flapping_fraction=0.005 if flapping is None else flapping, progress_s=progress_every,
            ),
            processes, proof_wait, proof_slack, min_pace,
        )  # fmt: skip
        return
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        evidence = _evidence(workdir)
    except media.NoSampleImages as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    fleet = _provision_api(url, username, password, sites, cameras_per_site)
    typer.echo(f"provisioned {len(fleet)} sites x {cameras_per_site} cameras; running {duration:.0f} s", err=True)
    plan = FleetPlan(
        duration_s=duration,
        events_per_site_per_hour=12.0 if events_per_site_per_hour is None else events_per_site_per_hour,
        heartbeat_interval_s=heartbeat_interval,
        duplicating_fraction=duplicating,
        skewed_fraction=skewed,
        flapping_fraction=0.1 if flapping is None else flapping,
    )
    tally = Tally()
    started = time.monotonic()
    run_started = datetime.now(UTC)
    stop = threading.Event()
    ticker = threading.Thread(target=_progress, args=(tally, started, stop, progress_every), daemon=True)
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


def _provision_api(url: str, username: str, password: str | None, sites: int, cameras: int) -> list[SimSite]:
    if password is None:
        password = typer.prompt("Password", hide_input=True)
    with httpx.Client(base_url=url, timeout=30.0) as client:
        try:
            login(client, username, password)
            return provision(client, sites, cameras)
        except (ProvisionError, httpx.HTTPError) as exc:
            typer.echo(f"error: cannot provision the simulated district: {exc}", err=True)
            raise typer.Exit(1) from exc


def _simulate_light(
    url: str, username: str, password: str | None, sites: int, cameras: int, database_url: str | None,
    plan: LightPlan, processes: int, proof_wait: float, proof_slack: float, min_pace: float,
) -> None:  # fmt: skip
    began = time.monotonic()
    if database_url:
        fleet = provision_bulk(database_url, sites, cameras)
        how = "straight into the database"
    else:
        fleet = _provision_api(url, username, password, sites, cameras)
        how = "through the API"
    planned_per_s = len(fleet) / plan.heartbeat_interval_s
    typer.echo(
        f"provisioned {len(fleet)} sites x {cameras} cameras {how} in {time.monotonic() - began:.1f} s; "
        f"light mode, {processes} client process(es) x {plan.connections} connections, "
        f"{planned_per_s:.0f} heartbeats/s planned, running {plan.duration_s:.0f} s",
        err=True,
    )
    run_started = datetime.now(UTC)
    started = time.monotonic()
    result = run_light(url, fleet, plan, small_snapshot(), processes, _light_progress(planned_per_s, plan.progress_s))
    elapsed = time.monotonic() - started
    events = heartbeats = None
    if database_url:
        time.sleep(proof_wait)  # heartbeats buffered by the platform reach the database a flush later
        events = verify_in_database(database_url, result.accepted_ids)
        heartbeats = verify_heartbeats(database_url, result.last_ack, proof_slack)
    for line in light_summary_lines(result, min(elapsed, plan.duration_s), planned_per_s, events, heartbeats):
        typer.echo(line)
    typer.echo(f"started at {run_started.isoformat()}")
    failed = result.heartbeats_failed + result.events_failed
    if failed:
        typer.echo(f"FAILED: {failed} request(s) failed", err=True)
    pace = (result.heartbeats_sent - result.heartbeats_failed) / max(result.heartbeats_planned, 1)
    behind = pace < min_pace
    if behind:
        typer.echo(f"BEHIND PLAN: {pace:.3f} of the planned heartbeats acknowledged (--min-pace {min_pace})", err=True)
    if events is not None and heartbeats is not None:
        if events.ok and heartbeats.ok:
            typer.echo("no loss, no double")
        else:
            typer.echo("NOT PROVEN: " + ("; ".join(heartbeats.problems[:5]) or "event detections mismatch"), err=True)
    if failed or behind or (events is not None and not events.ok) or (heartbeats is not None and not heartbeats.ok):
        raise typer.Exit(1)
