"""Imports every domain's models so that metadata (and Alembic) sees all tables."""

from brightkitchen.platform.alerts.models import (
    Alert,
    AlertAudit,
    AlertEvidence,
    DeadlinePolicy,
    Rectification,
    RectificationPhoto,
)
from brightkitchen.platform.alerts.rollup_tables import AlertDaily, AlertRegionDaily
from brightkitchen.platform.auth.models import RateCounter
from brightkitchen.platform.bulletin.models import Bulletin
from brightkitchen.platform.concerns.models import Concern, ConcernStep
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.feed.models import FeedReadMark
from brightkitchen.platform.health.models import OnlineHour
from brightkitchen.platform.labelling.models import (
    Dataset,
    DatasetExport,
    DatasetItem,
    LabelImage,
    LabelReview,
)
from brightkitchen.platform.modelhub.models import ModelAssignment, ModelAudit, ModelVersion
from brightkitchen.platform.notify.models import Notification, NotifyChannel
from brightkitchen.platform.records.models import Record, RecordPhoto, RecordSchedule, RecordVersion
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.rollout.models import (
    Acceptance,
    AcceptancePhoto,
    AlertTestRequest,
    RolloutStatusChange,
    SiteRollout,
    Training,
)
from brightkitchen.platform.sensors.models import Sensor, SensorReading
from brightkitchen.platform.sites.models import Camera, KitchenArea, Site
from brightkitchen.platform.staff.models import Staff
from brightkitchen.platform.users.models import AccessToken, User
from brightkitchen.platform.video.models import (
    CameraRecording,
    LiveSegment,
    Playback,
    PlaybackSegment,
    VideoAccess,
    VideoWatch,
)

__all__ = [
    "Acceptance",
    "AcceptancePhoto",
    "AccessToken",
    "Alert",
    "AlertAudit",
    "AlertDaily",
    "AlertEvidence",
    "AlertRegionDaily",
    "AlertTestRequest",
    "Bulletin",
    "Camera",
    "CameraRecording",
    "Concern",
    "ConcernStep",
    "Dataset",
    "DatasetExport",
    "DatasetItem",
    "DeadlinePolicy",
    "Device",
    "FeedReadMark",
    "KitchenArea",
    "LabelImage",
    "LabelReview",
    "LiveSegment",
    "ModelAssignment",
    "ModelAudit",
    "ModelVersion",
    "Notification",
    "NotifyChannel",
    "OnlineHour",
    "Playback",
    "PlaybackSegment",
    "RateCounter",
    "Record",
    "RecordPhoto",
    "RecordSchedule",
    "RecordVersion",
    "Rectification",
    "RectificationPhoto",
    "Region",
    "RolloutStatusChange",
    "Sensor",
    "SensorReading",
    "Site",
    "SiteRollout",
    "Staff",
    "Training",
    "User",
    "VideoAccess",
    "VideoWatch",
]
