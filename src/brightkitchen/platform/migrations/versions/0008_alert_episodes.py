"""alert episodes: one alert per camera and code for a continuous episode, every detection kept, episode policies

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import brightkitchen.platform.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = brightkitchen.platform.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "episode_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("min_duration_s", sa.Float(), nullable=False),
        sa.Column("gap_s", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_episode_policies_region_id_regions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episode_policies")),
        sa.UniqueConstraint("region_id", "code", name=op.f("uq_episode_policies_region_id")),
    )
    op.create_table(
        "alert_detections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("ended_at", UTC, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=True),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_detections_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_alert_detections_camera_id_cameras"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_alert_detections_device_id_devices"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_alert_detections_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_detections")),
        sa.UniqueConstraint("event_id", name=op.f("uq_alert_detections_event_id")),
    )
    with op.batch_alter_table("alert_detections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_detections_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_detections_site_id"), ["site_id"], unique=False)
        batch_op.create_index(
            "ix_alert_detections_camera_id_code_ended_at", ["camera_id", "code", "ended_at"], unique=False
        )

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detection_count", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("last_seen_at", UTC, nullable=True))
    # Every alert so far was one detection, last seen when it ended.
    op.execute("UPDATE alerts SET last_seen_at = ended_at")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("last_seen_at", existing_type=UTC, nullable=False)
        batch_op.create_index(
            "ix_alerts_camera_id_code_last_seen_at", ["camera_id", "code", "last_seen_at"], unique=False
        )
    # The edge's events so far, one per alert: a re-sent one stays a duplicate after the upgrade.
    op.execute(
        "INSERT INTO alert_detections (event_id, site_id, camera_id, device_id, alert_id, code, started_at, ended_at,"
        " score, track_id, test, outcome, received_at)"
        " SELECT event_id, site_id, camera_id, device_id, id, code, started_at, ended_at, score, track_id, test,"
        " 'opened', created_at FROM alerts WHERE source = 'edge'"
    )

    with op.batch_alter_table("alert_evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detection_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_alert_evidence_detection_id_alert_detections"),
            "alert_detections",
            ["detection_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_evidence", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alert_evidence_detection_id_alert_detections"), type_="foreignkey")
        batch_op.drop_column("detection_id")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_camera_id_code_last_seen_at")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("detection_count")
    with op.batch_alter_table("alert_detections", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_detections_camera_id_code_ended_at")
        batch_op.drop_index(batch_op.f("ix_alert_detections_site_id"))
        batch_op.drop_index(batch_op.f("ix_alert_detections_alert_id"))
    op.drop_table("alert_detections")
    op.drop_table("episode_policies")
