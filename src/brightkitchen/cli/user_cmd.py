"""`brightkitchen user ...`: accounts from the command line (the first admin starts here)."""

from __future__ import annotations

import typer
from pydantic import ValidationError

from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.users import service
from brightkitchen.platform.users.models import Role
from brightkitchen.platform.users.schemas import UserCreate

app = typer.Typer(no_args_is_help=True)


@app.command("create", help="Create a user. Without --password you are asked for it.")
def create(
    username: str,
    role: Role = typer.Option(Role.admin, help="admin, regulator, school_admin or school_staff"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    region_id: int | None = typer.Option(None, help="region scope (regulators)"),
    site_id: int | None = typer.Option(None, help="site scope (school roles)"),
    display_name: str = typer.Option(""),
) -> None:
    try:
        body = UserCreate(
            username=username,
            password=password,
            role=role,
            region_id=region_id,
            site_id=site_id,
            display_name=display_name,
        )
    except ValidationError as exc:
        for err in exc.errors():
            typer.echo(f"error: {'.'.join(map(str, err['loc'])) or 'user'}: {err['msg']}", err=True)
        raise typer.Exit(2) from exc
    ctx = PlatformContext.build(Settings())
    with ctx.sessions.begin() as session:
        try:
            user = service.create(session, body)
        except Problem as exc:
            typer.echo(f"error: {exc.detail}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(f"created user {user.username} (id {user.id}, role {user.role})")
