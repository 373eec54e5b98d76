"""Heartbeats: what the agent reports, and the loop that sends them to a real receiver."""

from __future__ import annotations

from pathlib import Path

from brightkitchen import __version__
from brightkitchen.edge.agent import Agent
from brightkitchen.edge.config import EdgeConfig
from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.heartbeat import HeartbeatLoop
from brightkitchen.edge.platform_client import PlatformClient
from brightkitchen.protocol import Heartbeat
from tests.edge.pipeline.conftest import FakeClock, ScriptedDetector
from tests.edge.pipeline.outbox_helpers import T0, add_event
from tests.edge.pipeline.receiver import KEY, Receiver


def test_heartbeat_reports_outbox_disk_and_versions(tmp_path: Path, receiver: Receiver) -> None:
    cfg = EdgeConfig.model_validate(
        {"site_code": "S", "data_dir": str(tmp_path), "disk_quota_mb": 1, "platform": {"url": receiver.url}}
    )
    clock = FakeClock(T0)
    agent = Agent(cfg, lambda: ScriptedDetector(lambda f: Detections.empty()), clock=clock, workers=1)
    add_event(agent.outbox, "evt-hb-00001")
    add_event(agent.outbox, "evt-hb-00002", T0 + 1)
    clock.advance(42)
    hb = agent.heartbeat()
    assert hb.outbox_depth == 2 and hb.cameras == [] and hb.software_version == __version__
    assert hb.disk_used_bytes >= agent.outbox.evidence_bytes() > 0
    assert hb.disk_quota_bytes == 1024 * 1024 and not hb.quota_exceeded
    assert hb.uptime_s == 42 and hb.config_version and hb.config_version.startswith("local-")
    agent.outbox.close()


def test_heartbeat_loop_sends_and_counts_refusals(receiver: Receiver) -> None:
    cfg = EdgeConfig(site_code="S")

    def build() -> Heartbeat:
        return Heartbeat.model_validate({"sent_at": "2024-06-03T02:00:00Z", "software_version": "t"})

    good = HeartbeatLoop(PlatformClient(receiver.url, KEY), build, lambda: cfg.heartbeat_interval_s)
    assert good.send_once() and len(receiver.state.heartbeats) == 1
    bad = HeartbeatLoop(PlatformClient(receiver.url, "wrong"), build, lambda: 1.0)
    assert not bad.send_once() and bad.failed == 1 and bad.last_error == "HTTP 401"
