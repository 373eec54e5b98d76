"""roll-out: site status and history, training, signed acceptance with photos, test-alert requests,
daily bulletins

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brightkitchen.platform.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = brightkitchen.platform.db.UTCDateTime


def _site_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["site_id"], ["sites.id"], name=op.f(f"fk_{table}_site_id_sites"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "bulletins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("generated_at", UTC(timezone=True), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_bulletins_region_id_regions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletins")),
        sa.UniqueConstraint("region_id", "date", name=op.f("uq_bulletins_region_id")),
    )
    op.create_table(
        "rollout_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        _site_fk("rollout_status_changes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollout_status_changes")),
    )
    op.create_index("ix_rollout_status_changes_site_id_at", "rollout_status_changes", ["site_id", "at"], unique=False)
    op.create_table(
        "site_rollouts",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_since", UTC(timezone=True), nullable=False),
        sa.Column("first_accepted_at", UTC(timezone=True), nullable=True),
        sa.Column("evaluated_at", UTC(timezone=True), nullable=False),
        _site_fk("site_rollouts"),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_site_rollouts")),
    )
    op.create_index(op.f("ix_site_rollouts_evaluated_at"), "site_rollouts", ["evaluated_at"], unique=False)
    op.create_table(
        "rollout_acceptances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=True),
        sa.Column("inspector_name", sa.String(length=128), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["users.id"], name=op.f("fk_rollout_acceptances_inspector_id_users"), ondelete="SET NULL"
        ),
        _site_fk("rollout_acceptances"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollout_acceptances")),
    )
    op.create_index(op.f("ix_rollout_acceptances_site_id"), "rollout_acceptances", ["site_id"], unique=False)
    op.create_table(
        "rollout_test_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("requested_at", UTC(timezone=True), nullable=False),
        sa.Column("expires_at", UTC(timezone=True), nullable=False),
        sa.Column("delivered_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_rollout_test_requests_requested_by_users"),
            ondelete="SET NULL",
        ),
        _site_fk("rollout_test_requests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollout_test_requests")),
    )
    op.create_index(op.f("ix_rollout_test_requests_site_id"), "rollout_test_requests", ["site_id"], unique=False)
    op.create_table(
        "rollout_trainings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("trainer", sa.String(length=64), nullable=False),
        sa.Column("attendees", sa.String(length=500), nullable=False),
        sa.Column("trained_at", UTC(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_rollout_trainings_recorded_by_users"), ondelete="SET NULL"
        ),
        _site_fk("rollout_trainings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollout_trainings")),
    )
    op.create_index(op.f("ix_rollout_trainings_site_id"), "rollout_trainings", ["site_id"], unique=False)
    op.create_table(
        "rollout_acceptance_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("acceptance_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=128), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["acceptance_id"],
            ["rollout_acceptances.id"],
            name=op.f("fk_rollout_acceptance_photos_acceptance_id_rollout_acceptances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollout_acceptance_photos")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_rollout_acceptance_photos_storage_key")),
    )
    op.create_index(
        op.f("ix_rollout_acceptance_photos_acceptance_id"), "rollout_acceptance_photos", ["acceptance_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_rollout_acceptance_photos_acceptance_id"), table_name="rollout_acceptance_photos")
    op.drop_table("rollout_acceptance_photos")
    op.drop_index(op.f("ix_rollout_trainings_site_id"), table_name="rollout_trainings")
    op.drop_table("rollout_trainings")
    op.drop_index(op.f("ix_rollout_test_requests_site_id"), table_name="rollout_test_requests")
    op.drop_table("rollout_test_requests")
    op.drop_index(op.f("ix_rollout_acceptances_site_id"), table_name="rollout_acceptances")
    op.drop_table("rollout_acceptances")
    op.drop_index(op.f("ix_site_rollouts_evaluated_at"), table_name="site_rollouts")
    op.drop_table("site_rollouts")
    op.drop_index("ix_rollout_status_changes_site_id_at", table_name="rollout_status_changes")
    op.drop_table("rollout_status_changes")
    op.drop_table("bulletins")
