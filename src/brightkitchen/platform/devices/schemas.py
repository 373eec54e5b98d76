from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class DeviceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    serial: str = Field(default="", max_length=64)


class DeviceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=128)
    serial: str | None = Field(default=None, max_length=64)


class DevicePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    name: str
    serial: str
    status: str
    last_heartbeat_at: datetime | None
    software_version: str
    model_versions: dict[str, str] = Field(description="model name -> version, as the device's heartbeats report")
    model_versions_at: datetime | None = Field(description="since when the device has reported these versions")
    model_errors: dict[str, str] = Field(
        default_factory=dict, description="model name -> why an assigned version could not be put to work"
    )
    key_issued_at: datetime | None
    revoked_at: datetime | None


class DeviceWithKey(DevicePublic):
    """Returned once, when a key is issued. The key is not stored and cannot be shown again."""

    device_key: str
