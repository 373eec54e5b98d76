from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.platform.regions.models import RegionKind


class RegionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-\.]+$")
    kind: RegionKind
    parent_id: int | None = None


class RegionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=128)


class RegionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    code: str
    kind: RegionKind
    parent_id: int | None
