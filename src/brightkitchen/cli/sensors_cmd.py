"""`brightkitchen sensors listen`: the MQTT subscriber as a process of its own."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType

import typer

app = typer.Typer(no_args_is_help=True)


@app.command(
    "listen",
    help="Subscribe to brightkitchen/+/sensors/+ and store the readings (Ctrl-C stops). Joins the same shared "
    "subscription as `serve` with mqtt_url set: each reading is stored once however many subscribers run.",
)
def listen(
    broker: str | None = typer.Option(None, help="mqtt://host:1883 or mqtts://host:8883; default: setting mqtt_url"),
    username: str | None = typer.Option(None, help="MQTT login; default: setting mqtt_username"),
    password: str | None = typer.Option(None, help="MQTT password; default: setting mqtt_password"),
    tls_ca: Path | None = typer.Option(None, exists=True, dir_okay=False, help="CA certificate of the broker"),
) -> None:
    from brightkitchen.platform.context import PlatformContext
    from brightkitchen.platform.sensors.mqtt import SensorListener
    from brightkitchen.platform.settings import Settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    url = broker or settings.mqtt_url
    if not url:
        typer.echo("error: no broker: pass --broker or set BRIGHTKITCHEN_MQTT_URL", err=True)
        raise typer.Exit(2)
    try:
        listener = SensorListener(
            PlatformContext.build(settings), url, username=username or settings.mqtt_username,
            password=password or settings.mqtt_password, tls_ca=tls_ca or settings.mqtt_tls_ca,
            group=settings.mqtt_share_group,
        )  # fmt: skip
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    stop = threading.Event()

    def _stop(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    listener.start()
    typer.echo(f"listening on {listener.broker.host}:{listener.broker.port} ({listener.filter})")
    stop.wait()
    listener.stop()
    typer.echo("stopped; messages: " + (", ".join(f"{k} {v}" for k, v in sorted(listener.counts.items())) or "none"))
