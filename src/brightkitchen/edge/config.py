"""The edge agent's configuration: one YAML file, validated by pydantic, errors pointing at file:line.

Relative paths (``data_dir``, ``models_dir``, file camera URLs) are taken from the directory the agent
runs in. Cameras, zones, rules and working hours may instead come from the platform (``platform.
fetch_config``); see ``remote_config``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from brightkitchen.edge.detect.flame import FlameConfig
from brightkitchen.edge.detect.motion import MotionConfig
from brightkitchen.edge.detect.pipeline import StackConfig
from brightkitchen.edge.evidence import EvidenceOptions
from brightkitchen.edge.sources.base import SourceOptions
from brightkitchen.edge.track import TrackerOptions
from brightkitchen.edge.uploader import UploaderOptions
from brightkitchen.edge.video.config import VideoOptions
from brightkitchen.protocol import CameraConfig, DeviceConfig
from brightkitchen.protocol.v1 import WorkingHours


class ConfigError(ValueError):
    """Every problem found in a config file, each as ``file:line: field: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class PlatformOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = Field(default=None, description="platform base URL; unset: events stay in the outbox")
    device_key: str | None = Field(default=None, description="prefer device_key_env: keys do not belong in files")
    device_key_env: str = "BRIGHTKITCHEN_DEVICE_KEY"
    timeout_s: float = Field(default=30.0, gt=0, le=600)
    fetch_config: bool = Field(default=False, description="take cameras, zones and rules from the platform")
    config_poll_s: float = Field(default=300.0, ge=5, le=86400)
    picture_interval_s: float = Field(
        default=60.0, ge=0, le=86400, description="send each camera's latest picture this often; 0: never"
    )

    def key(self) -> str | None:
        return self.device_key or os.environ.get(self.device_key_env) or None


class EdgeCamera(CameraConfig):
    """A camera as the platform describes it, plus how this box decodes it."""

    source: SourceOptions | None = Field(default=None, description="overrides the top-level `source` defaults")


class EdgeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    site_code: str = Field(min_length=1, max_length=64)
    timezone: str = "Asia/Shanghai"
    working_hours: WorkingHours = WorkingHours()
    data_dir: Path = Path("edge-data")
    disk_quota_mb: int | None = Field(
        default=None,
        ge=0,
        description="evidence and recordings on disk together (recordings give way first); "
        "unset: 90 % of the data disk; 0: no quota",
    )
    heartbeat_interval_s: float = Field(default=30.0, gt=0, le=3600)
    analysis_workers: int = Field(default=0, ge=0, le=64, description="detector threads; 0: one per CPU core")
    rule_gap_s: float = Field(default=3.0, gt=0, le=60, description="a detection missing this long ends a streak")
    models_dir: Path = Path("../shared/models")
    detector: StackConfig = StackConfig()
    motion: MotionConfig = MotionConfig()
    flame: FlameConfig = FlameConfig()
    platform: PlatformOptions = PlatformOptions()
    source: SourceOptions = SourceOptions()
    evidence: EvidenceOptions = EvidenceOptions()
    tracker: TrackerOptions = TrackerOptions()
    uploader: UploaderOptions = UploaderOptions()
    video: VideoOptions = VideoOptions()
    cameras: list[EdgeCamera] = Field(default_factory=list, max_length=256)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _unique_keys(self) -> EdgeConfig:
        keys = [c.key for c in self.cameras]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"camera keys must be unique: {', '.join(dupes)}")
        return self

    def quota_bytes(self) -> int:
        """The disk quota in bytes (0: none); unset means 90 % of the disk that holds ``data_dir``."""
        if self.disk_quota_mb is not None:
            return self.disk_quota_mb * 1024 * 1024
        folder = self.data_dir
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        return int(shutil.disk_usage(folder).total * 0.9)

    def source_for(self, camera: EdgeCamera) -> SourceOptions:
        return camera.source or self.source

    def with_device_config(self, device: DeviceConfig) -> EdgeConfig:
        """The platform's document replaces cameras, hours and interval; local source overrides are kept."""
        local = {c.key: c.source for c in self.cameras}
        cameras = [EdgeCamera(**c.model_dump(), source=local.get(c.key)) for c in device.cameras]
        return self.model_copy(
            update={
                "site_code": device.site_code,
                "timezone": device.timezone,
                "working_hours": device.working_hours,
                "heartbeat_interval_s": device.heartbeat_interval_s,
                "cameras": cameras,
            }
        )


def _node_at(root: yaml.Node, loc: tuple[int | str, ...]) -> yaml.Node:
    """The deepest YAML node along a pydantic error location (the parent, if the field is missing)."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            match = node.value[part]
        else:
            match = None
        if match is None:
            break
        node = match
    return node


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_config(text: str, name: str = "<config>") -> EdgeConfig:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError([f"{name}{line}: YAML syntax: {exc.problem or exc}"]) from exc
    if not isinstance(data, dict) or root is None:
        raise ConfigError([f"{name}:1: the file must be a YAML mapping of settings"])
    try:
        return EdgeConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            node = _node_at(root, loc)
            problems.append(f"{name}:{node.start_mark.line + 1}: {_dotted(loc)}: {err['msg']}")
        raise ConfigError(problems) from exc


def load_config(path: Path) -> EdgeConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    return parse_config(text, str(path))
