"""The ``brightkitchen`` command: one Typer app with a sub-app per part."""

from __future__ import annotations

import typer

from brightkitchen.cli import (
    config_cmd,
    db_cmd,
    demo_cmd,
    detect_cmd,
    edge_cmd,
    models_cmd,
    report_cmd,
    rollout_cmd,
    sensors_cmd,
    serve_cmd,
    simulate_cmd,
    sites_cmd,
    train_cmd,
    user_cmd,
)

app = typer.Typer(
    help="BrightKitchen 明厨亮灶: edge AI and supervision platform for school canteen kitchens.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(config_cmd.app, name="config", help="Configuration reference.")
app.add_typer(db_cmd.app, name="db", help="Database schema (Alembic migrations) and the alert rollups.")
app.add_typer(user_cmd.app, name="user", help="Platform user accounts.")
app.add_typer(sites_cmd.app, name="sites", help="Sites: bulk import from CSV or Excel.")
app.add_typer(report_cmd.app, name="report", help="Daily, weekly and monthly region reports (xlsx or pdf).")
app.add_typer(rollout_cmd.app, name="rollout", help="Roll-out progress: checklists and the daily bulletin.")
app.add_typer(edge_cmd.app, name="edge", help="Run or check the edge AI agent.")
app.add_typer(
    models_cmd.app, name="models", help="Install and verify the model pack and the models this project trained."
)
app.add_typer(sensors_cmd.app, name="sensors", help="Sensor readings over MQTT.")
app.command(name="demo", help="Run a demo district: platform, edge agent on sample footage, web UI.")(demo_cmd.demo)
app.command(name="serve", help="Run the supervision platform web server.")(serve_cmd.serve)
app.command(name="simulate", help="Drive a platform like a district of edge servers (load and demo data).")(
    simulate_cmd.simulate
)
app.command(name="detect", help="Run the detectors on images; one JSON line per image.")(detect_cmd.detect)
app.command(name="train", help="Train a detector or classifier on CPU and write it with its model card.")(
    train_cmd.train
)


def main() -> None:
    app()
