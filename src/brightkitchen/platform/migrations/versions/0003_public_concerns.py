"""public page: concerns reported by the public

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brightkitchen.platform.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "concerns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_concerns_site_id_sites"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concerns")),
    )
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.create_index("ix_concerns_client_hash_created_at", ["client_hash", "created_at"], unique=False)
        batch_op.create_index("ix_concerns_site_id_created_at", ["site_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.drop_index("ix_concerns_site_id_created_at")
        batch_op.drop_index("ix_concerns_client_hash_created_at")
    op.drop_table("concerns")
