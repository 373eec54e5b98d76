"""indexes for the alert list at millions of alerts: newest first per site, state and code, and date ranges
(on PostgreSQL also the episode as a range, GiST)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-12 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (column, id): a filter on the column walks its alerts newest first (the default order is id downwards),
# and a sort by the column resumes at a keyset cursor inside the index.
INDEXES = {
    "ix_alerts_site_id_id": ["site_id", "id"],
    "ix_alerts_state_id": ["state", "id"],
    "ix_alerts_code_id": ["code", "id"],
    "ix_alerts_started_at_id": ["started_at", "id"],
    "ix_alerts_last_seen_at_id": ["last_seen_at", "id"],
}


# As alerts/models.py has it (a copy: a revision does not import later code).
EPISODE_RANGE_SQL = "tstzrange(started_at, greatest(started_at, last_seen_at), '[]')"


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "alerts", columns)
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_alerts_episode_range", "alerts", [sa.text(EPISODE_RANGE_SQL)], postgresql_using="gist")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_alerts_episode_range", table_name="alerts")
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="alerts")
