"""labelling and datasets: frames with boxes, reviews, dataset versions, exports

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brightkitchen.platform.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = brightkitchen.platform.db.UTCDateTime


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "label_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=True),
        sa.Column("captured_at", UTC(timezone=True), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=128), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("boxes", sa.JSON(), nullable=False),
        sa.Column("dropped_labels", sa.JSON(), nullable=False),
        sa.Column("licence", sa.String(length=64), nullable=False),
        sa.Column("attribution", sa.String(length=500), nullable=False),
        sa.Column("group_key", sa.String(length=200), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_by_name", sa.String(length=128), nullable=True),
        sa.Column("reviewed_at", UTC(timezone=True), nullable=True),
        sa.Column("history_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        _fk("label_images", "alert_id", "alerts", "SET NULL"),
        _fk("label_images", "camera_id", "cameras", "SET NULL"),
        _fk("label_images", "created_by", "users", "SET NULL"),
        _fk("label_images", "reviewed_by", "users", "SET NULL"),
        _fk("label_images", "site_id", "sites", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_images")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_label_images_alert_id")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_label_images_storage_key")),
    )
    with op.batch_alter_table("label_images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_label_images_camera_id"), ["camera_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_label_images_site_id"), ["site_id"], unique=False)
        batch_op.create_index("ix_label_images_task_status", ["task", "status"], unique=False)

    op.create_table(
        "label_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("previous_status", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("previous_boxes", sa.JSON(), nullable=False),
        sa.Column("boxes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _fk("label_reviews", "image_id", "label_images", "CASCADE"),
        _fk("label_reviews", "user_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_reviews")),
    )
    with op.batch_alter_table("label_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_label_reviews_image_id"), ["image_id"], unique=False)

    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=16), nullable=False),
        sa.Column("scope_path", sa.String(length=512), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("fractions", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sa.String(length=128), nullable=False),
        sa.Column("images", sa.Integer(), nullable=False),
        sa.Column("boxes", sa.Integer(), nullable=False),
        sa.Column("splits", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        _fk("datasets", "created_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datasets")),
        sa.UniqueConstraint("scope_path", "name", "version", name=op.f("uq_datasets_scope_path")),
    )

    op.create_table(
        "dataset_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("split", sa.String(length=8), nullable=False),
        sa.Column("group_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("boxes", sa.JSON(), nullable=False),
        sa.Column("site_code", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("licence", sa.String(length=64), nullable=False),
        sa.Column("attribution", sa.String(length=500), nullable=False),
        _fk("dataset_items", "dataset_id", "datasets", "CASCADE"),
        _fk("dataset_items", "image_id", "label_images", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_items")),
        sa.UniqueConstraint("dataset_id", "image_id", name=op.f("uq_dataset_items_dataset_id")),
    )
    with op.batch_alter_table("dataset_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dataset_items_image_id"), ["image_id"], unique=False)

    op.create_table(
        "dataset_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("images", sa.Integer(), nullable=False),
        sa.Column("boxes", sa.Integer(), nullable=False),
        _fk("dataset_exports", "dataset_id", "datasets", "CASCADE"),
        _fk("dataset_exports", "user_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_exports")),
    )
    with op.batch_alter_table("dataset_exports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dataset_exports_dataset_id"), ["dataset_id"], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ("dataset_exports", ["ix_dataset_exports_dataset_id"]),
        ("dataset_items", ["ix_dataset_items_image_id"]),
        ("datasets", []),
        ("label_reviews", ["ix_label_reviews_image_id"]),
        ("label_images", ["ix_label_images_task_status", "ix_label_images_site_id", "ix_label_images_camera_id"]),
    ):
        if indexes:
            with op.batch_alter_table(table, schema=None) as batch_op:
                for index in indexes:
                    batch_op.drop_index(index)
        op.drop_table(table)
