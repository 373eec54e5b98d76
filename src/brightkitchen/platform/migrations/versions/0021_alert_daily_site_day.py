"""the daily alert rollups indexed by site and day: a district's sites read their last 30 days through it (one
short range per site) instead of every day of every year each site has; it replaces the index on site alone

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-13 12:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_alert_daily_site_id_day", "alert_daily", ["site_id", "day"])
    op.drop_index(op.f("ix_alert_daily_site_id"), table_name="alert_daily")


def downgrade() -> None:
    op.create_index(op.f("ix_alert_daily_site_id"), "alert_daily", ["site_id"], unique=False)
    op.drop_index("ix_alert_daily_site_id_day", table_name="alert_daily")
