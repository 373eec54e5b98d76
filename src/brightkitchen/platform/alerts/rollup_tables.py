"""The rollup tables: alert counters per local day and code, per site (``alert_daily``) and per district
(``alert_region_daily``, the site rows summed by the region above each site's street). How they are kept:
alerts/rollups.py and alerts/region_rollups.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base

# The counters, in the order of rollups.Counters.
COUNTERS = ("created", "open", "closed", "closed_on_time", "false_positive", "close_timed", "close_hours")


class DailyCounters:
    """Counters of the real alerts received on one local day, as they are now."""

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    created: Mapped[int] = mapped_column(Integer, default=0)
    open: Mapped[int] = mapped_column(Integer, default=0)  # new, pushed, rectifying or submitted
    closed: Mapped[int] = mapped_column(Integer, default=0)
    closed_on_time: Mapped[int] = mapped_column(Integer, default=0)  # submitted by the deadline, then closed
    false_positive: Mapped[int] = mapped_column(Integer, default=0)
    close_timed: Mapped[int] = mapped_column(Integer, default=0)  # closed with a known closing time
    close_hours: Mapped[float] = mapped_column(Float, default=0.0)  # their hours from receipt to close, summed


class AlertDaily(DailyCounters, Base):
    """One local day at one site with one code."""

    __tablename__ = "alert_daily"
    # A scope's sites read a window of days: one short range per site (and the site's deletion finds its rows).
    __table_args__ = (Index("ix_alert_daily_site_id_day", "site_id", "day"),)

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)


class AlertRegionDaily(DailyCounters, Base):
    """One local day in one district (the key region of its sites) with one code."""

    __tablename__ = "alert_region_daily"

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True)


def counters_upsert(dialect: str, table: Table, key: tuple[str, ...], insert_of: Callable[[Any], Any]) -> Any:
    """``insert_of(dialect's insert)`` made an upsert that adds every counter to the row of ``key`` already
    there. Built once per dialect by its callers: a statement made per alert cost more to key for the cache
    than to run. On the table, not the mapped class: an ORM insert takes the ORM's bulk path."""
    stmt = insert_of(pg_insert if dialect == "postgresql" else sqlite_insert)
    return stmt.on_conflict_do_update(
        index_elements=list(key), set_={name: table.c[name] + getattr(stmt.excluded, name) for name in COUNTERS}
    )
