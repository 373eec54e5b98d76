"""`brightkitchen demo`: the main job on the embedded default, in one command."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import typer

from brightkitchen.demo import media
from brightkitchen.demo.runner import DemoOptions, DemoPlatform, prepare, start_edge


def demo(
    data_dir: Path = typer.Option(Path("var/demo"), help="SQLite file, evidence and edge data go here"),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    models: Path | None = typer.Option(
        None, help="model pack folder (default: BRIGHTKITCHEN_MODELS, ../shared/models, or the installed pack)"
    ),
    duration: float = typer.Option(0.0, help="stop after this many seconds (0: until Ctrl-C)"),
) -> None:
    """Create a demo district, start the platform and an edge agent on sample footage, print the URL and logins."""
    opts = DemoOptions(data_dir=data_dir.resolve(), host=host, port=port, models_dir=models)
    settings, world, video, models_dir = prepare(opts)
    generated = video.name == media.GENERATED_NAME
    if generated:
        typer.echo(
            "note: no labelled sample photographs found (../shared/datasets or BRIGHTKITCHEN_SAMPLES) — the edge "
            "watches GENERATED sample footage: drawn figures, not people, so expect few or no violations.",
            err=True,
        )
    if models_dir is None:
        typer.echo(
            "warning: no model pack found — the edge runs on the BASIC FALLBACK (OpenCV Haar faces only, no mask "
            "or phone detection). Install it with `brightkitchen models install` (downloads from the upstream "
            "addresses) or `brightkitchen models install --from DIR` offline.",
            err=True,
        )
    platform = DemoPlatform(settings, host, port)
    platform.start()
    edge = start_edge(world, opts, video, models_dir)
    url = f"http://{host}:{port}"
    typer.echo(f"\nBrightKitchen 明厨亮灶 demo is running at {url}/")
    typer.echo(f"  API docs: {url}/api/v1/docs    public page: {url}/p/{world.site_code}")
    typer.echo(f"  models:   {models_dir or 'BASIC FALLBACK detector (no model pack installed)'}")
    typer.echo(f"  footage:  {video}{'  (GENERATED, not real people)' if generated else ''}")
    typer.echo(f"  edge log: {opts.data_dir / 'edge.log'}")
    typer.echo("  logins (username / password):")
    for username, password, what in world.logins:
        typer.echo(f"    {username:<10} {password:<12} {what}")
    if generated or models_dir is None:
        typer.echo("Live view, recording and device health work; expect few or no violations (see the notes above).")
    else:
        typer.echo("Violations detected on the sample footage appear within a minute.")
    typer.echo("Ctrl-C stops the demo.\n")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait(duration if duration > 0 else None)
    except KeyboardInterrupt:
        pass
    finally:
        edge.terminate()
        try:
            edge.wait(timeout=20)
        except Exception:
            edge.kill()
        platform.stop()
