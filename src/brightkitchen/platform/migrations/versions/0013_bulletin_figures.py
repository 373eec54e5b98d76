"""bulletin figures: a bulletin covers a period and is scheduled or made on demand; online hours per device

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brightkitchen.platform.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = brightkitchen.platform.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "online_hours",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("hour", UTC(timezone=True), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_online_hours_device_id_devices"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_online_hours_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("device_id", "hour", name=op.f("pk_online_hours")),
    )
    op.create_index("ix_online_hours_site_id_hour", "online_hours", ["site_id", "hour"], unique=False)
    with op.batch_alter_table("bulletins") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="scheduled"))
        batch.add_column(sa.Column("period_start", UTC(timezone=True), nullable=True))
        batch.add_column(sa.Column("period_end", UTC(timezone=True), nullable=True))
    # Bulletins made before this change were snapshots: their period is the moment they were made.
    op.execute("UPDATE bulletins SET period_start = generated_at, period_end = generated_at")
    with op.batch_alter_table("bulletins") as batch:
        batch.alter_column("kind", server_default=None)
        batch.alter_column("period_start", existing_type=UTC(timezone=True), nullable=False)
        batch.alter_column("period_end", existing_type=UTC(timezone=True), nullable=False)
        batch.drop_constraint("uq_bulletins_region_id", type_="unique")
        batch.create_unique_constraint(op.f("uq_bulletins_region_id"), ["region_id", "date", "kind"])


def downgrade() -> None:
    op.execute("DELETE FROM bulletins WHERE kind <> 'scheduled'")
    with op.batch_alter_table("bulletins") as batch:
        batch.drop_constraint("uq_bulletins_region_id", type_="unique")
        batch.create_unique_constraint(op.f("uq_bulletins_region_id"), ["region_id", "date"])
        batch.drop_column("period_end")
        batch.drop_column("period_start")
        batch.drop_column("kind")
    op.drop_index("ix_online_hours_site_id_hour", table_name="online_hours")
    op.drop_table("online_hours")
