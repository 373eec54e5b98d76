"""`brightkitchen sites import FILE`: bulk import of sites and school accounts."""

from __future__ import annotations

import csv
from pathlib import Path

import typer

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.importer import ImportFileError, import_sites, read_rows
from brightkitchen.platform.users.models import Role

app = typer.Typer(no_args_is_help=True)


@app.command(
    "import",
    help="Import sites (and school admin accounts) from a .csv or .xlsx sheet. "
    "All-or-nothing: any bad row is reported with its row number and nothing is written. Safe to re-run.",
)
def import_(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    accounts_out: Path = typer.Option(
        Path("new-accounts.csv"), help="where the one-time passwords of new accounts are written"
    ),
) -> None:
    try:
        rows = read_rows(file.name, file.read_bytes())
    except ImportFileError as exc:
        typer.echo(f"error: {file.name}: {exc}", err=True)
        raise typer.Exit(2) from exc
    ctx = PlatformContext.build(Settings())
    admin = Principal("user", 0, Role.admin, None, None, None)
    with ctx.sessions.begin() as session:
        result = import_sites(session, admin, rows)
        if not result.ok:
            session.rollback()
            for err in result.errors:
                typer.echo(f"row {err.row}: {err.field}: {err.message}", err=True)
            typer.echo(f"nothing imported: {len(result.errors)} error(s)", err=True)
            raise typer.Exit(1)
    typer.echo(
        f"sites created {result.sites_created}, updated {result.sites_updated}, "
        f"unchanged {result.sites_unchanged}; streets created {result.streets_created}; "
        f"accounts created {len(result.accounts_created)}"
    )
    if result.accounts_created:
        with accounts_out.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["username", "one_time_password"])
            writer.writerows(result.accounts_created)
        accounts_out.chmod(0o600)
        typer.echo(f"one-time passwords written to {accounts_out} (hand them over, then delete the file)")
