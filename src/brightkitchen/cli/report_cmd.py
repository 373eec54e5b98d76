"""`brightkitchen report daily|weekly|monthly --region CODE [--date D] --out FILE`: region reports."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from sqlalchemy import select

from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.reports.fonts import FontError
from brightkitchen.platform.reports.periods import PeriodKind
from brightkitchen.platform.reports.service import ReportFormat, build_report
from brightkitchen.platform.settings import Settings

app = typer.Typer(no_args_is_help=True, help="Region reports (日报 / 周报 / 月报) as Excel or PDF.")


def _run(kind: PeriodKind, region: str, day: datetime | None, out: Path) -> None:
    suffix = out.suffix.lower().lstrip(".")
    if suffix not in ("xlsx", "pdf"):
        typer.echo("error: --out must end in .xlsx or .pdf", err=True)
        raise typer.Exit(2)
    ctx = PlatformContext.build(Settings())
    with ctx.sessions() as session:
        row = session.scalar(select(Region).where(Region.code == region))
        if row is None:
            typer.echo(f"error: no region with code {region!r}", err=True)
            raise typer.Exit(1)
        try:
            report = build_report(
                session, ctx.settings, row, kind, day.date() if day else None, ReportFormat(suffix), utcnow()
            )
        except FontError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc
        session.commit()
    out.write_bytes(report.content)
    typer.echo(f"wrote {out} ({len(report.content)} bytes)")


def _command(kind: PeriodKind) -> None:
    def command(
        region: str = typer.Option(..., "--region", help="region code, e.g. a district's"),
        day: datetime | None = typer.Option(None, "--date", formats=["%Y-%m-%d"], help="a day in the period"),
        out: Path = typer.Option(..., "--out", help="report.xlsx or report.pdf"),
    ) -> None:
        _run(kind, region, day, out)

    app.command(kind.value, help=f"The {kind.value} report of a region.")(command)


for _kind in PeriodKind:
    _command(_kind)
