"""daily records (photos, records, versions, schedules) and staff with health certificates

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brightkitchen.platform.db

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = brightkitchen.platform.db.UTCDateTime


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "record_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=128), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        _fk("record_photos", "site_id", "sites", "CASCADE"),
        _fk("record_photos", "uploaded_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_photos")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_record_photos_storage_key")),
    )
    with op.batch_alter_table("record_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_photos_site_id"), ["site_id"], unique=False)

    op.create_table(
        "records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("record_date", sa.Date(), nullable=False),
        sa.Column("meal", sa.String(length=16), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("photo_ids", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        _fk("records", "site_id", "sites", "CASCADE"),
        _fk("records", "created_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index("ix_records_site_kind_date", ["site_id", "kind", "record_date"], unique=False)

    op.create_table(
        "record_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("photo_ids", sa.JSON(), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=128), nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _fk("record_versions", "record_id", "records", "CASCADE"),
        _fk("record_versions", "by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_versions")),
        sa.UniqueConstraint("record_id", "version", name=op.f("uq_record_versions_record_id")),
    )
    with op.batch_alter_table("record_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_versions_record_id"), ["record_id"], unique=False)

    op.create_table(
        "record_schedules",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("meals", sa.JSON(), nullable=False),
        sa.Column("school_days", sa.JSON(), nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("deadlines", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        _fk("record_schedules", "site_id", "sites", "CASCADE"),
        _fk("record_schedules", "updated_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_record_schedules")),
    )

    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("cert_no", sa.String(length=64), nullable=False),
        sa.Column("cert_issued_on", sa.Date(), nullable=False),
        sa.Column("cert_expires_on", sa.Date(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        _fk("staff", "site_id", "sites", "CASCADE"),
        _fk("staff", "photo_id", "record_photos", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_site_id"), ["site_id"], unique=False)
        batch_op.create_index("ix_staff_active_cert_expires_on", ["active", "cert_expires_on"], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ("staff", ["ix_staff_active_cert_expires_on", "ix_staff_site_id"]),
        ("record_schedules", []),
        ("record_versions", ["ix_record_versions_record_id"]),
        ("records", ["ix_records_site_kind_date"]),
        ("record_photos", ["ix_record_photos_site_id"]),
    ):
        if indexes:
            with op.batch_alter_table(table, schema=None) as batch_op:
                for index in indexes:
                    batch_op.drop_index(index)
        op.drop_table(table)
