"""daily alert rollups per district and code (alert_region_daily): the site rows summed by each site's key region
(its street's district), read by a city's or a province's overview; filled from alert_daily

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-14 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = ("created", "open", "closed", "closed_on_time", "false_positive", "close_timed", "close_hours")


def upgrade() -> None:
    op.create_table(
        "alert_region_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS[:-1]),
        sa.Column("close_hours", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_alert_region_daily_region_id_regions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("day", "region_id", "code", name=op.f("pk_alert_region_daily")),
    )
    # What alerts/region_rollups.py rebuild does, in SQL here so the revision does not depend on later code.
    columns = ", ".join(COUNTERS)
    sums = ", ".join(f"sum(d.{name})" for name in COUNTERS)
    op.execute(
        f"INSERT INTO alert_region_daily (day, region_id, code, {columns})"
        f" SELECT d.day, coalesce(r.parent_id, r.id), d.code, {sums}"
        " FROM alert_daily d JOIN sites s ON s.id = d.site_id JOIN regions r ON r.id = s.region_id"
        " GROUP BY d.day, coalesce(r.parent_id, r.id), d.code ORDER BY 1, 2, 3"
    )


def downgrade() -> None:
    op.drop_table("alert_region_daily")
