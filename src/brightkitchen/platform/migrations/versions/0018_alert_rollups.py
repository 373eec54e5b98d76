"""daily alert rollups per site and code; indexes for open, closed and escalated alerts

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-12 12:00:00.000000
"""

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from brightkitchen.platform.settings import Settings

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("state IN ('new', 'pushed', 'rectifying', 'submitted')")
ESCALATED = sa.text("escalated_at IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "alert_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("closed_on_time", sa.Integer(), nullable=False),
        sa.Column("false_positive", sa.Integer(), nullable=False),
        sa.Column("close_timed", sa.Integer(), nullable=False),
        sa.Column("close_hours", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_alert_daily_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("day", "site_id", "code", name=op.f("pk_alert_daily")),
    )
    op.create_index(op.f("ix_alert_daily_site_id"), "alert_daily", ["site_id"], unique=False)
    open_columns = ["site_id", "state", "deadline_at", "escalated_at", "test"]
    op.create_index("ix_alerts_open", "alerts", open_columns, postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_alerts_closed_at", "alerts", ["closed_at"])
    op.create_index(
        "ix_alerts_escalated_at", "alerts", ["escalated_at"], postgresql_where=ESCALATED, sqlite_where=ESCALATED
    )
    # Existing alerts: the rollups start complete (what alerts/rollups.py rebuild does, in SQL here so the
    # revision does not depend on later code), by local day in the configured zone.
    bind = op.get_bind()
    tz = Settings().timezone
    if bind.dialect.name == "postgresql":
        day = "date(timezone(:tz, created_at))"
        hours = "extract(epoch FROM closed_at - created_at) / 3600.0"
    else:
        offset = ZoneInfo(tz).utcoffset(datetime(2000, 1, 1))
        minutes = int(offset.total_seconds() // 60) if offset else 0
        day = f"date(created_at, '{minutes:+d} minutes')"
        hours = "(julianday(closed_at) - julianday(created_at)) * 24.0"
    closed = "state = 'closed'"
    timed = f"{closed} AND closed_at IS NOT NULL"
    insert = (
        "INSERT INTO alert_daily (day, site_id, code, created, open, closed, closed_on_time, false_positive,"
        " close_timed, close_hours)"
        f" SELECT {day}, site_id, code, count(*),"
        " sum(CASE WHEN state IN ('new', 'pushed', 'rectifying', 'submitted') THEN 1 ELSE 0 END),"
        f" sum(CASE WHEN {closed} THEN 1 ELSE 0 END),"
        f" sum(CASE WHEN {closed} AND submitted_at IS NOT NULL AND submitted_at <= deadline_at THEN 1 ELSE 0 END),"
        " sum(CASE WHEN state = 'false_positive' THEN 1 ELSE 0 END),"
        f" sum(CASE WHEN {timed} THEN 1 ELSE 0 END),"
        f" coalesce(sum(CASE WHEN {timed} THEN {hours} END), 0.0)"
        f" FROM alerts WHERE test = {'false' if bind.dialect.name == 'postgresql' else '0'}"
        f" GROUP BY {day}, site_id, code ORDER BY 1, 2, 3"
    )
    op.execute(sa.text(insert).bindparams(tz=tz) if ":tz" in insert else sa.text(insert))


def downgrade() -> None:
    op.drop_index("ix_alerts_escalated_at", table_name="alerts")
    op.drop_index("ix_alerts_closed_at", table_name="alerts")
    op.drop_index("ix_alerts_open", table_name="alerts")
    op.drop_index(op.f("ix_alert_daily_site_id"), table_name="alert_daily")
    op.drop_table("alert_daily")
