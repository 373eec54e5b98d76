"""concern handling: states, the reply, a receipt code for the complainant, and the steps taken

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brightkitchen.platform.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        # Concerns sent before this revision were received and never handled; they have no receipt code.
        batch_op.add_column(sa.Column("receipt_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("state", sa.String(length=16), server_default="received", nullable=False))
        batch_op.add_column(sa.Column("reply", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("replied_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("closed_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("updated_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE concerns SET updated_at = created_at")
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.alter_column(
            "updated_at", existing_type=brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=False
        )
        batch_op.create_index("ix_concerns_receipt_digest", ["receipt_digest"], unique=True)
        batch_op.create_index("ix_concerns_state_created_at", ["state", "created_at"], unique=False)

    op.create_table(
        "concern_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=16), nullable=True),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concerns.id"], name=op.f("fk_concern_steps_concern_id_concerns"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern_steps")),
    )
    with op.batch_alter_table("concern_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concern_steps_concern_id"), ["concern_id"], unique=False)
    # Every concern already taken in gets its first step, so each history starts with 已受理.
    op.execute(
        "INSERT INTO concern_steps (concern_id, at, action, actor_kind, to_state, note) "
        "SELECT id, created_at, 'receive', 'public', 'received', '' FROM concerns"
    )


def downgrade() -> None:
    with op.batch_alter_table("concern_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concern_steps_concern_id"))
    op.drop_table("concern_steps")
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.drop_index("ix_concerns_state_created_at")
        batch_op.drop_index("ix_concerns_receipt_digest")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("replied_at")
        batch_op.drop_column("reply")
        batch_op.drop_column("state")
        batch_op.drop_column("receipt_digest")
