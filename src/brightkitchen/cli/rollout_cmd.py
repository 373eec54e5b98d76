"""`brightkitchen rollout ...`: the roll-out from a terminal: site statuses, one checklist, the bulletin."""

from __future__ import annotations

from datetime import datetime

import typer
from sqlalchemy import select

from brightkitchen.platform.bulletin.models import Bulletin
from brightkitchen.platform.bulletin.service import run_bulletin_if_due
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.rollout.checks import ITEMS
from brightkitchen.platform.rollout.service import evaluate_site, evaluate_sites
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Site

app = typer.Typer(no_args_is_help=True, help="Roll-out: acceptance checklists and the daily bulletin.")


@app.command("status", help="Every site's roll-out status (optionally of one region's subtree).")
def status(region: str | None = typer.Option(None, "--region", help="region code")) -> None:
    ctx = PlatformContext.build(Settings())
    with ctx.sessions.begin() as session:
        stmt = select(Site).join(Region, Region.id == Site.region_id).order_by(Site.code)
        if region:
            path = session.scalar(select(Region.path).where(Region.code == region))
            if path is None:
                typer.echo(f"error: no region with code {region!r}", err=True)
                raise typer.Exit(1)
            stmt = stmt.where(Region.path.startswith(path, autoescape=True))
        sites = session.scalars(stmt).all()
        lists = evaluate_sites(session, ctx.settings, [s.id for s in sites], utcnow())
        for site in sites:
            c = lists[site.id]
            bad = [i.code for i in c.items if i.state != "ok"]
            typer.echo(f"{site.code}\t{c.status}\t{site.name}\t{', '.join(bad)}")


@app.command("checklist", help="One site's acceptance checklist.")
def checklist(site_code: str = typer.Argument(...)) -> None:
    ctx = PlatformContext.build(Settings())
    with ctx.sessions.begin() as session:
        site = session.scalar(select(Site).where(Site.code == site_code))
        if site is None:
            typer.echo(f"error: no site with code {site_code!r}", err=True)
            raise typer.Exit(1)
        c = evaluate_site(session, ctx.settings, site.id, utcnow())
        typer.echo(f"{site.code} {site.name}: {c.status}")
        for item in c.items:
            typer.echo(f"  [{item.state:7}] {ITEMS[item.code][1]}: {item.evidence}")


@app.command("bulletin", help="Make the previous day's bulletins once the set time has passed (safe to repeat).")
def bulletin(
    at: datetime | None = typer.Option(None, "--at", help="pretend it is this time (ISO, with zone)"),
) -> None:
    ctx = PlatformContext.build(Settings())
    now = at or utcnow()
    if now.tzinfo is None:
        typer.echo("error: --at needs a time zone, e.g. 2026-11-23T08:00:00+08:00", err=True)
        raise typer.Exit(2)
    made = run_bulletin_if_due(ctx, now)
    if not made:
        typer.echo("nothing to do: not yet time, or the previous day's bulletins exist")
        return
    with ctx.sessions() as session:
        for row in session.scalars(select(Bulletin).where(Bulletin.id.in_(made))):
            typer.echo(row.markdown)
