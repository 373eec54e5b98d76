"""`brightkitchen db ...`: schema migrations."""

from __future__ import annotations

import typer

from brightkitchen.platform import migrate
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
