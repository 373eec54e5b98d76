"""Daily alert counters per district and code (``alert_region_daily``): the site rows of ``alert_daily`` summed by
each site's key region, so that a city's or a province's overview sums a few thousand rows for a month instead of
a row per site, day and code (260,000 of them at a province's scale).

A site's key region is the parent of its region (a street's district), or its region when that has none. A scope
that is the subtree of a region holding no site itself (a district, a city) holds exactly the sites whose key
region lies in the subtree: such a scope reads these rows (``scope_regions``); a street's or a school's reads the
site rows.

Kept with the site rows: ``add`` in the same statement sequence as ``rollups._add``; a site that changes region
moves its counts and a deleted site takes them away (``attach``: before the platform's sessions flush);
``rebuild`` recomputes them from the site rows. A site moved while one of its alerts is being born counts that
alert under its old district until the next ``brightkitchen db rollups``."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Date,
    Float,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.orm import Session, sessionmaker

from brightkitchen.platform.alerts.rollup_tables import COUNTERS, AlertDaily, AlertRegionDaily, counters_upsert
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.sites.models import Site

_KEY = ("day", "region_id", "code")
_TABLE = cast(Table, AlertRegionDaily.__table__)
_TYPES: dict[str, Any] = {"close_hours": Float}


def _counter(name: str) -> Any:
    return bindparam(name, type_=_TYPES.get(name, Integer))


def key_region() -> Any:
    """SQL: the key region of a site joined to its region."""
    return func.coalesce(Region.parent_id, Region.id)


# By site: the key region is looked up in the same statement.
_BY_SITE = {
    d: counters_upsert(
        d,
        _TABLE,
        _KEY,
        lambda ins: ins(_TABLE).from_select(
            [*_KEY, *COUNTERS],
            select(bindparam("day", type_=Date), key_region(), bindparam("code", type_=String),
                   *(_counter(n) for n in COUNTERS))
            .select_from(Site)
            .join(Region, Region.id == Site.region_id)
            .where(Site.id == bindparam("site_id")),
        ),
    )
    for d in ("postgresql", "sqlite")
}  # fmt: skip
# By key region, for moving a site's counts.
_BY_REGION = {
    d: counters_upsert(
        d,
        _TABLE,
        _KEY,
        lambda ins: ins(_TABLE).values(
            {"day": bindparam("day"), "region_id": bindparam("region_id"), "code": bindparam("code"),
             **{n: _counter(n) for n in COUNTERS}}
        ),
    )
    for d in ("postgresql", "sqlite")
}  # fmt: skip


def add(session: Session, day: date, site_id: int, code: str, deltas: dict[str, Any]) -> None:
    """Adds ``deltas`` (every counter) to the site's district on ``day`` (called by ``rollups._add``)."""
    dialect = session.get_bind().dialect.name
    session.execute(_BY_SITE[dialect], {"day": day, "site_id": site_id, "code": code, **deltas})


def _key_of(conn: Connection, region_id: int) -> int | None:
    return conn.scalar(select(key_region()).where(Region.id == region_id))


def move_site(conn: Connection, site_id: int, old_region_id: int | None, new_region_id: int | None) -> None:
    """Moves the site's counts from the key region of ``old_region_id`` to that of ``new_region_id`` (None:
    none, as for a deleted site)."""
    old = _key_of(conn, old_region_id) if old_region_id is not None else None
    new = _key_of(conn, new_region_id) if new_region_id is not None else None
    if old == new:
        return
    rows = conn.execute(
        select(AlertDaily.day, AlertDaily.code, *(getattr(AlertDaily, n) for n in COUNTERS)).where(
            AlertDaily.site_id == site_id
        )
    ).all()
    if not rows:
        return
    params = []
    for region, sign in ((old, -1), (new, 1)):
        if region is not None:
            params += [{"day": r.day, "region_id": region, "code": r.code,
                        **{n: sign * getattr(r, n) for n in COUNTERS}} for r in rows]  # fmt: skip
    conn.execute(_BY_REGION[conn.dialect.name], params)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.dirty:
        if isinstance(obj, Site):
            before, now = _regions(obj)
            if before != now:
                move_site(session.connection(), obj.id, before, now)
    for obj in session.deleted:
        if isinstance(obj, Site):
            move_site(session.connection(), obj.id, _regions(obj)[0], None)


def _regions(site: Site) -> tuple[int | None, int | None]:
    """The loaded site's region as stored and as it is about to be written."""
    hist = inspect(site).attrs.region_id.history
    before = hist.deleted[0] if hist.deleted else site.region_id
    return before, site.region_id


def attach(sessions: sessionmaker[Session]) -> None:
    """Keeps the district rows in step when a site of these sessions changes region or is deleted."""
    event.listen(sessions, "before_flush", _before_flush)


def rebuild(session: Session, since: date | None = None) -> int:
    """Recomputes the district rows of days from ``since`` (all when None) from the site rows; returns the rows
    written. The caller commits."""
    wipe = delete(AlertRegionDaily)
    where = []
    if since is not None:
        wipe = wipe.where(AlertRegionDaily.day >= since)
        where.append(AlertDaily.day >= since)
    session.execute(wipe)
    region = key_region().label("region_id")
    grouped: Select[Any] = (
        select(AlertDaily.day, region, AlertDaily.code, *(func.sum(getattr(AlertDaily, n)) for n in COUNTERS))
        .join(Site, Site.id == AlertDaily.site_id)
        .join(Region, Region.id == Site.region_id)
        .where(*where)
        .group_by(AlertDaily.day, region, AlertDaily.code)
        .order_by(AlertDaily.day, region, AlertDaily.code)  # laid down day by day, as the site rows
    )
    session.execute(insert(AlertRegionDaily).from_select([*_KEY, *COUNTERS], grouped))
    query = select(func.count()).select_from(AlertRegionDaily)
    if since is not None:
        query = query.where(AlertRegionDaily.day >= since)
    return int(session.scalar(query) or 0)


def scope_regions(session: Session, region_path: str | None) -> Select[Any] | None:
    """The key regions whose rows a scope reads instead of its sites' rows: every region for the whole
    platform (``region_path`` None), the subtree of a region that holds no site itself; None (read the site
    rows) for a region that holds sites, a street."""
    if region_path is None:
        return select(Region.id)
    region = session.scalar(select(Region.id).where(Region.path == region_path))
    if region is None or session.scalar(select(Site.id).where(Site.region_id == region).limit(1)) is not None:
        return None
    return select(Region.id).where(Region.path.startswith(region_path, autoescape=True))
