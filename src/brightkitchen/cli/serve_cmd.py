"""`brightkitchen serve`: the platform web server."""

from __future__ import annotations

from typing import Any

import typer
import uvicorn

# Connection limits: an idle keep-alive connection is closed after a few seconds, a request head may not grow
# past 64 KiB, and past ``limit_concurrency`` open connections new requests get 503 instead of piling up.
# Slow senders (a head or body dripped byte by byte) are cut off by the reverse proxy; see docs/deployment.md.
KEEP_ALIVE_S = 5
MAX_HEAD_BYTES = 64 * 1024
MAX_CONNECTIONS = 1000
# Live-feed streams stay open for minutes; a restart ends them after this and the browsers reconnect.
GRACEFUL_SHUTDOWN_S = 5


def server_options(
    host: str,
    port: int,
    workers: int,
    *,
    keep_alive_s: int = KEEP_ALIVE_S,
    max_connections: int = MAX_CONNECTIONS,
    forwarded_allow_ips: str | None = None,
    access_log: bool = True,
) -> dict[str, Any]:
    """What uvicorn is given; one place, so a test can check the limits are there."""
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "workers": workers,
        "factory": True,
        "proxy_headers": True,
        "log_level": "info",
        "timeout_keep_alive": keep_alive_s,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
        "limit_concurrency": max_connections,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
        "access_log": access_log,
    }
    if forwarded_allow_ips:  # else uvicorn's own: $FORWARDED_ALLOW_IPS, or 127.0.0.1 and ::1
        options["forwarded_allow_ips"] = forwarded_allow_ips
    return options


def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port to listen on"),
    workers: int = typer.Option(1, help="worker processes (each is stateless; share one database)"),
    migrate: bool = typer.Option(True, help="apply database migrations before serving"),
    keep_alive_s: int = typer.Option(KEEP_ALIVE_S, min=1, help="close idle keep-alive connections after this"),
    max_connections: int = typer.Option(MAX_CONNECTIONS, min=1, help="answer 503 beyond this many connections"),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        help="addresses or networks of the reverse proxies whose X-Forwarded-For/-Proto are believed "
        "(comma-separated); default $FORWARDED_ALLOW_IPS, else 127.0.0.1 and ::1",
    ),
    access_log: bool = typer.Option(
        True, help="log one line per request (at province scale, ~1,000 a second: let nginx keep the access log)"
    ),
) -> None:
    from brightkitchen.platform.security import SecretKeyMissing, require_secret_key
    from brightkitchen.platform.settings import Settings

    settings = Settings()
    try:
        require_secret_key(settings.secret_key)
    except SecretKeyMissing as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if migrate:
        from brightkitchen.platform.migrate import upgrade

        upgrade(settings)
    options = server_options(
        host, port, workers, keep_alive_s=keep_alive_s, max_connections=max_connections,
        forwarded_allow_ips=forwarded_allow_ips, access_log=access_log,
    )  # fmt: skip
    uvicorn.run("brightkitchen.platform.app:create_app", **options)
