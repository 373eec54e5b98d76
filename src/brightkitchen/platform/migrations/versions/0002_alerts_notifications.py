"""alerts, evidence, audit, rectifications, deadline policies, notification channels and outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 03:11:33.558575
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brightkitchen.platform.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deadline_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("rectify_hours", sa.Float(), nullable=False),
        sa.Column("escalate_hours", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_deadline_policies_region_id_regions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_policies")),
        sa.UniqueConstraint("region_id", "code", name=op.f("uq_deadline_policies_region_id")),
    )
    op.create_table(
        "notify_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=1024), nullable=False),
        sa.Column("secret", sa.String(length=256), nullable=True),
        sa.Column("codes", sa.JSON(), nullable=True),
        sa.Column("events", sa.JSON(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_notify_channels_region_id_regions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_notify_channels_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_channels")),
    )
    with op.batch_alter_table("notify_channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notify_channels_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notify_channels_site_id"), ["site_id"], unique=False)

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("started_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("boxes", sa.JSON(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=True),
        sa.Column("model_name", sa.String(length=128), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("frame_width", sa.Integer(), nullable=False),
        sa.Column("frame_height", sa.Integer(), nullable=False),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("created_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("escalate_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("escalated_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("pushed_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("false_positive_reason", sa.String(length=500), nullable=True),
        sa.Column("open_fault_key", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_alerts_camera_id_cameras"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_alerts_device_id_devices"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_alerts_site_id_sites"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("event_id", name=op.f("uq_alerts_event_id")),
        sa.UniqueConstraint("open_fault_key", name=op.f("uq_alerts_open_fault_key")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_camera_id"), ["camera_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_escalate_at"), ["escalate_at"], unique=False)
        batch_op.create_index("ix_alerts_site_id_created_at", ["site_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_state"), ["state"], unique=False)

    op.create_table(
        "alert_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=16), nullable=True),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_audit_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_audit")),
    )
    with op.batch_alter_table("alert_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_audit_alert_id"), ["alert_id"], unique=False)

    op.create_table(
        "alert_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("storage_key", sa.String(length=128), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_evidence_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_evidence")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_alert_evidence_storage_key")),
    )
    with op.batch_alter_table("alert_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_evidence_alert_id"), ["alert_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("dedupe_key", sa.String(length=96), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_notifications_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["notify_channels.id"],
            name=op.f("fk_notifications_channel_id_notify_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index("ix_notifications_state_next_attempt_at", ["state", "next_attempt_at"], unique=False)

    op.create_table(
        "rectifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photo_key", sa.String(length=128), nullable=False),
        sa.Column("photo_sha256", sa.String(length=64), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", brightkitchen.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_rectifications_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name=op.f("fk_rectifications_reviewed_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_rectifications_submitted_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectifications")),
    )
    with op.batch_alter_table("rectifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rectifications_alert_id"), ["alert_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rectifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectifications_alert_id"))

    op.drop_table("rectifications")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_state_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_notifications_alert_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("alert_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_evidence_alert_id"))

    op.drop_table("alert_evidence")
    with op.batch_alter_table("alert_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_audit_alert_id"))

    op.drop_table("alert_audit")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_state"))
        batch_op.drop_index("ix_alerts_site_id_created_at")
        batch_op.drop_index(batch_op.f("ix_alerts_escalate_at"))
        batch_op.drop_index(batch_op.f("ix_alerts_device_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_created_at"))
        batch_op.drop_index(batch_op.f("ix_alerts_code"))
        batch_op.drop_index(batch_op.f("ix_alerts_camera_id"))

    op.drop_table("alerts")
    with op.batch_alter_table("notify_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notify_channels_site_id"))
        batch_op.drop_index(batch_op.f("ix_notify_channels_region_id"))

    op.drop_table("notify_channels")
    op.drop_table("deadline_policies")
