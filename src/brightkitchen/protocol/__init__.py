"""Wire models shared by edge and platform. No I/O here; edge and platform both validate against these.

The protocol is versioned: everything in ``v1`` travels under ``/api/v1`` and carries
``protocol_version = 1``. A new incompatible version gets a new module.
"""

from brightkitchen.protocol.codes import VIOLATION_NAMES_ZH, ViolationCode
from brightkitchen.protocol.v1 import (
    PROTOCOL_VERSION,
    AssignedModel,
    Box,
    CameraConfig,
    CameraHealth,
    CameraStatus,
    DeviceConfig,
    EvidenceKind,
    EvidenceRef,
    Heartbeat,
    RuleConfig,
    ViolationEvent,
    Zone,
)

__all__ = [
    "PROTOCOL_VERSION",
    "VIOLATION_NAMES_ZH",
    "AssignedModel",
    "Box",
    "CameraConfig",
    "CameraHealth",
    "CameraStatus",
    "DeviceConfig",
    "EvidenceKind",
    "EvidenceRef",
    "Heartbeat",
    "RuleConfig",
    "ViolationCode",
    "ViolationEvent",
    "Zone",
]
