"""sensors and their readings

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-10 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brightkitchen.platform.db

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = brightkitchen.platform.db.UTCDateTime


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "sensors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("rule_op", sa.String(length=8), nullable=True),
        sa.Column("rule_threshold", sa.Float(), nullable=True),
        sa.Column("rule_duration_s", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_value", sa.Float(), nullable=True),
        sa.Column("last_at", UTC(timezone=True), nullable=True),
        sa.Column("violating_since", UTC(timezone=True), nullable=True),
        sa.Column("breach", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        _fk("sensors", "area_id", "kitchen_areas", "SET NULL"),
        _fk("sensors", "site_id", "sites", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensors")),
        sa.UniqueConstraint("site_id", "key", name=op.f("uq_sensors_site_id")),
    )
    with op.batch_alter_table("sensors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sensors_site_id"), ["site_id"], unique=False)

    op.create_table(
        "sensor_readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        _fk("sensor_readings", "sensor_id", "sensors", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensor_readings")),
    )
    with op.batch_alter_table("sensor_readings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sensor_readings_at"), ["at"], unique=False)
        batch_op.create_index("ix_sensor_readings_sensor_id_at", ["sensor_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sensor_readings", schema=None) as batch_op:
        batch_op.drop_index("ix_sensor_readings_sensor_id_at")
        batch_op.drop_index(batch_op.f("ix_sensor_readings_at"))
    op.drop_table("sensor_readings")
    with op.batch_alter_table("sensors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sensors_site_id"))
    op.drop_table("sensors")
