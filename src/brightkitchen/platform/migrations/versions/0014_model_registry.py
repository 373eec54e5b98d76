"""model registry: versions, assignments to regions and sites, devices' active models

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brightkitchen.platform.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = brightkitchen.platform.db.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=128), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_model_versions_uploaded_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
        sa.UniqueConstraint("name", "version", name="uq_model_versions_name_version"),
    )
    op.create_index(op.f("ix_model_versions_name"), "model_versions", ["name"], unique=False)
    op.create_index(op.f("ix_model_versions_sha256"), "model_versions", ["sha256"], unique=False)
    op.create_table(
        "model_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("model_name", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("canary", sa.Boolean(), nullable=False),
        sa.Column("label_thresholds", sa.JSON(), nullable=False),
        sa.Column("assigned_by", sa.Integer(), nullable=True),
        sa.Column("assigned_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(scope = 'region' AND region_id IS NOT NULL AND site_id IS NULL)"
            " OR (scope = 'site' AND site_id IS NOT NULL AND region_id IS NULL)",
            name=op.f("ck_model_assignments_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by"], ["users.id"], name=op.f("fk_model_assignments_assigned_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["model_versions.id"],
            name=op.f("fk_model_assignments_model_id_model_versions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_model_assignments_region_id_regions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_model_assignments_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_assignments")),
        sa.UniqueConstraint("model_name", "region_id", name="uq_model_assignments_model_name_region_id"),
        sa.UniqueConstraint("model_name", "site_id", name="uq_model_assignments_model_name_site_id"),
    )
    op.create_index(op.f("ix_model_assignments_model_id"), "model_assignments", ["model_id"], unique=False)
    op.create_index(op.f("ix_model_assignments_region_id"), "model_assignments", ["region_id"], unique=False)
    op.create_index(op.f("ix_model_assignments_site_id"), "model_assignments", ["site_id"], unique=False)
    op.create_table(
        "model_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("model_name", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_audit")),
    )
    op.create_index(op.f("ix_model_audit_at"), "model_audit", ["at"], unique=False)
    # What each device's heartbeats report; existing devices have reported nothing yet.
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("model_versions", sa.JSON(), server_default="{}", nullable=False))
        batch.add_column(sa.Column("model_versions_at", UTC(timezone=True), nullable=True))
        batch.add_column(sa.Column("model_errors", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("model_errors")
        batch.drop_column("model_versions_at")
        batch.drop_column("model_versions")
    op.drop_index(op.f("ix_model_audit_at"), table_name="model_audit")
    op.drop_table("model_audit")
    op.drop_index(op.f("ix_model_assignments_site_id"), table_name="model_assignments")
    op.drop_index(op.f("ix_model_assignments_region_id"), table_name="model_assignments")
    op.drop_index(op.f("ix_model_assignments_model_id"), table_name="model_assignments")
    op.drop_table("model_assignments")
    op.drop_index(op.f("ix_model_versions_sha256"), table_name="model_versions")
    op.drop_index(op.f("ix_model_versions_name"), table_name="model_versions")
    op.drop_table("model_versions")
