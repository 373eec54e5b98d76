"""`brightkitchen db ...`: schema migrations, and recomputing the alert rollups."""

from __future__ import annotations

from datetime import datetime

import typer

from brightkitchen.platform import migrate
from brightkitchen.platform.alerts.rollups import rebuild
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.settings import Settings

app = typer.Typer(no_args_is_help=True)


@app.command("upgrade", help="Apply migrations up to REVISION (default: head). Creates the schema on a new database.")
def upgrade(revision: str = typer.Argument("head")) -> None:
    migrate.upgrade(Settings(), revision)
    typer.echo(f"database at {revision}")


@app.command("downgrade", help="Revert migrations down to REVISION.")
def downgrade(revision: str) -> None:
    migrate.downgrade(Settings(), revision)


@app.command("current", help="Show the database's current revision.")
def current() -> None:
    migrate.current(Settings())


@app.command(
    "rollups",
    help="Recompute the daily alert rollups (per site and code, and per district) from the raw alerts, after a "
    "bulk import of alerts. With --since, only the local days from that date on; without it, all days.",
)
def rollups_cmd(
    since: datetime | None = typer.Option(
        None, "--since", formats=["%Y-%m-%d"], help="first local day (YYYY-MM-DD) to recompute; default: all"
    ),
) -> None:
    ctx = PlatformContext.build(Settings())
    with ctx.sessions.begin() as session:
        written = rebuild(session, ctx.settings, since.date() if since else None)
    typer.echo(f"alert rollups rebuilt: {written} rows" + (f" from {since.date()}" if since else ""))
