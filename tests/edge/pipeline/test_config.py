"""Config: YAML validated with errors at file:line, the example file, and config from the platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from brightkitchen.edge.config import ConfigError, EdgeCamera, load_config, parse_config
from brightkitchen.edge.platform_client import PlatformClient
from brightkitchen.edge.remote_config import RemoteConfig
from brightkitchen.edge.sources import SourceOptions
from brightkitchen.protocol import CameraConfig, DeviceConfig
from tests.edge.pipeline.media_fixtures import REPO_ROOT
from tests.edge.pipeline.receiver import KEY, Receiver

GOOD = """\
site_code: SCH-1
cameras:
  - key: cam-1
    name: prep
    url: rtsp://127.0.0.1:8554/a
    source:
      analysis_fps: 2
    zones:
      - name: stove
        kind: stove
        points: [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        parse_config(text, "edge.yaml")
    return exc.value.problems


def test_example_config_is_valid() -> None:
    cfg = load_config(REPO_ROOT / "examples" / "edge.yaml")
    assert [c.key for c in cfg.cameras] == ["prep-01", "hot-01"]
    assert cfg.source_for(cfg.cameras[1]).analysis_fps == 2.0
    assert str(cfg.models_dir) == "../shared/models"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("analysis_fps: 2", "analysis_fps: 0", "edge.yaml:7: cameras[0].source.analysis_fps: Input should be greater"),
        ("[0.5, 0.5]", "[1.5, 0.5]", "edge.yaml:11: cameras[0].zones[0].points: Value error, zone points"),
        ("kind: stove", "kind: oven", "edge.yaml:10: cameras[0].zones[0].kind: Input should be 'work'"),
        ("    name: prep\n", "", "edge.yaml:3: cameras[0].name: Field required"),
        (
            "    source:",
            "    colour: red\n    source:",
            "edge.yaml:6: cameras[0].colour: Extra inputs are not permitted",
        ),
        ("site_code: SCH-1", "site_code: SCH-1\ntimezone: Mars/Olympus", "edge.yaml:2: timezone: Value error, unknown"),
        ("site_code: SCH-1", "site_code: SCH-1\nevidence: {fps: -1}", "edge.yaml:2: evidence.fps: Input should be"),
    ],
)
def test_errors_name_the_line_and_the_field(old: str, new: str, expected: str) -> None:
    text = GOOD.replace(old, new)
    assert text != GOOD
    found = problems(text)
    assert any(p.startswith(expected) for p in found), found


def test_yaml_syntax_error_has_a_line() -> None:
    (p,) = problems(GOOD.replace("    name: prep", "    name: [prep"))
    assert p.startswith("edge.yaml:") and "YAML syntax" in p


def test_duplicate_camera_keys_and_non_mapping() -> None:
    dup = GOOD + "  - {key: cam-1, name: again, url: rtsp://127.0.0.1:8554/b}\n"
    assert any("camera keys must be unique: cam-1" in p for p in problems(dup))
    assert problems("- just\n- a list\n") == ["edge.yaml:1: the file must be a YAML mapping of settings"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")


def test_platform_config_replaces_cameras_and_keeps_local_source_overrides() -> None:
    cfg = parse_config(GOOD)
    device = DeviceConfig(
        version="v7",
        site_code="SCH-1",
        heartbeat_interval_s=10,
        cameras=[
            CameraConfig(key="cam-1", name="prep", url="rtsp://127.0.0.1:8554/a2"),
            CameraConfig(key="cam-2", name="wash", url="rtsp://127.0.0.1:8554/c"),
        ],
    )
    merged = cfg.with_device_config(device)
    assert [c.url for c in merged.cameras] == ["rtsp://127.0.0.1:8554/a2", "rtsp://127.0.0.1:8554/c"]
    assert merged.cameras[0].source == SourceOptions(analysis_fps=2)
    assert merged.cameras[1].source is None and merged.heartbeat_interval_s == 10
    assert isinstance(merged.cameras[1], EdgeCamera)


def test_remote_config_uses_etag_and_survives_restart(tmp_path: Path, receiver: Receiver) -> None:
    doc = DeviceConfig(version="v1", site_code="SCH-1", cameras=[CameraConfig(key="c", name="c", url="x.mp4")])
    receiver.control["config"] = doc
    client = PlatformClient(receiver.url, KEY)
    remote = RemoteConfig(client, tmp_path / "device_config.json")
    assert remote.poll() == doc
    assert remote.poll() is None  # 304: unchanged
    assert receiver.state.config_gets == [None, "v1"]
    receiver.control["config"] = doc.model_copy(update={"version": "v2", "heartbeat_interval_s": 5.0})
    changed = remote.poll()
    assert changed is not None and changed.version == "v2"
    again = RemoteConfig(client, tmp_path / "device_config.json")  # e.g. after a restart, platform down
    assert again.config == changed and again.etag == "v2"
    client.close()
