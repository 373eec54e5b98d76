"""rectification photos: several photos per rectification, one file shared by a batch

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Older rectifications keep their one photo in rectifications.photo_key; readers fall back to it.
    op.create_table(
        "rectification_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rectification_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=128), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["rectification_id"],
            ["rectifications.id"],
            name=op.f("fk_rectification_photos_rectification_id_rectifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_photos")),
    )
    with op.batch_alter_table("rectification_photos", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rectification_photos_rectification_id"), ["rectification_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rectification_photos_storage_key"), ["storage_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rectification_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectification_photos_storage_key"))
        batch_op.drop_index(batch_op.f("ix_rectification_photos_rectification_id"))
    op.drop_table("rectification_photos")
