"""indexes for the retention of raw detections: by when they were received (the oldest first), and the
evidence rows by the detection they came with (a kept file's detection is never deleted, and a deleted
detection's foreign key is checked without a table scan)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-12 14:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_alert_detections_received_at", "alert_detections", ["received_at"])
    op.create_index("ix_alert_evidence_detection_id", "alert_evidence", ["detection_id"])


def downgrade() -> None:
    op.drop_index("ix_alert_evidence_detection_id", table_name="alert_evidence")
    op.drop_index("ix_alert_detections_received_at", table_name="alert_detections")
