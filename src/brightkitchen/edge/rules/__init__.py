"""Violation rules: pure state machines over tracked detections, fed one scene at a time.

``build_rules`` turns a camera's ``RuleConfig`` list into rule objects. A rule with ``label`` set is the
generic "label X persists T seconds → code Y" rule, whatever its code; the others are the built-in rules.
A camera with no rules configured gets the defaults of ``default_rules``.
"""

from __future__ import annotations

from collections.abc import Callable

from brightkitchen.edge.rules.base import Persistence, Rule, Scene, Trigger
from brightkitchen.edge.rules.person import IntrusionRule, NoMaskRule, PhoneUseRule
from brightkitchen.edge.rules.scene import LabelPersistsRule, RodentRule, StoveUnattendedRule
from brightkitchen.edge.rules.schedule import WorkingSchedule
from brightkitchen.edge.rules.zones import CameraZones
from brightkitchen.protocol import CameraConfig, RuleConfig, ViolationCode

__all__ = [
    "IntrusionRule",
    "LabelPersistsRule",
    "NoMaskRule",
    "Persistence",
    "PhoneUseRule",
    "RodentRule",
    "Rule",
    "Scene",
    "StoveUnattendedRule",
    "Trigger",
    "WorkingSchedule",
    "build_rules",
    "default_rules",
]

_SIMPLE: dict[ViolationCode, Callable[[RuleConfig, CameraZones, float], Rule]] = {
    ViolationCode.no_mask: NoMaskRule,
    ViolationCode.phone_use: PhoneUseRule,
    ViolationCode.rodent: RodentRule,
    ViolationCode.stove_unattended: StoveUnattendedRule,
}


def default_rules(camera: CameraConfig) -> list[RuleConfig]:
    """No mask, phone use and intrusion everywhere; stove and rodent only where their zones are drawn."""
    kinds = {z.kind for z in camera.zones}
    rules = [RuleConfig(code=ViolationCode.no_mask), RuleConfig(code=ViolationCode.phone_use)]
    rules.append(RuleConfig(code=ViolationCode.intrusion))
    if "stove" in kinds:
        rules.append(RuleConfig(code=ViolationCode.stove_unattended, persist_s=300.0))
    if "floor" in kinds:
        rules.append(RuleConfig(code=ViolationCode.rodent, persist_s=1.0))
    return rules


def build_rules(
    camera: CameraConfig,
    schedule: WorkingSchedule,
    gap_s: float = 3.0,
    supplied: dict[str, ViolationCode] | None = None,
) -> list[Rule]:
    """``supplied``: label -> code that supplied models declare (model cards); each gets a generic rule
    with default timing unless the camera configures that label itself."""
    zones = CameraZones(camera.zones)
    rules: list[Rule] = []
    configs = list(camera.rules or default_rules(camera))
    configured = {c.label for c in configs if c.label}
    for label, code in (supplied or {}).items():
        if label not in configured:
            configs.append(RuleConfig(code=code, label=label))
    for cfg in configs:
        if not cfg.enabled:
            continue
        if cfg.label:
            rules.append(LabelPersistsRule(cfg, zones, gap_s))
        elif cfg.code == ViolationCode.intrusion:
            rules.append(IntrusionRule(cfg, zones, gap_s, schedule))
        elif cfg.code in _SIMPLE:
            rules.append(_SIMPLE[cfg.code](cfg, zones, gap_s))
        else:
            raise ValueError(f"rule {cfg.code}: no built-in rule; set `label` to the supplied model's class")
    return rules
