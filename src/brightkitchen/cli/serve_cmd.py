"""`brightkitchen serve`: the platform web server."""

from __future__ import annotations

import typer
import uvicorn


def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port to listen on"),
    workers: int = typer.Option(1, help="worker processes (each is stateless; share one database)"),
    migrate: bool = typer.Option(True, help="apply database migrations before serving"),
) -> None:
    if migrate:
        from brightkitchen.platform.migrate import upgrade
        from brightkitchen.platform.settings import Settings

        upgrade(Settings())
    uvicorn.run(
        "brightkitchen.platform.app:create_app",
        host=host,
        port=port,
        workers=workers,
        factory=True,
        proxy_headers=True,
        log_level="info",
    )
