"""Violation rules: pure state machines over tracked detections, fed one scene at a time.

``build_rules`` turns a camera's ``RuleConfig`` list into rule objects. A rule with ``label`` set is the
generic "label X persists T seconds → code Y" rule, whatever its code; the others are the built-in rules.
A camera with no rules configured gets the defaults of ``default_rules``. A supplied model's label that a
built-in rule already reads for that code (the fire/smoke model's ``fire`` and ``smoke``) gets that rule,
never a generic one: a cooking flame on the stove must not raise ``fire_smoke``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from brightkitchen.edge.rules.base import Persistence, Rule, Scene, Trigger
from brightkitchen.edge.rules.person import IntrusionRule, NoMaskRule, PhoneUseRule
from brightkitchen.edge.rules.scene import FireSmokeRule, LabelPersistsRule, RodentRule, StoveUnattendedRule
from brightkitchen.edge.rules.schedule import WorkingSchedule
from brightkitchen.edge.rules.zones import CameraZones
from brightkitchen.protocol import CameraConfig, RuleConfig, ViolationCode

__all__ = [
    "RULE_LABELS",
    "FireSmokeRule",
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
    ViolationCode.fire_smoke: FireSmokeRule,
}

# code -> the detection labels its built-in rule reads: a supplied label listed under the code its card maps
# it to is handled by that rule instead of a generic one.
RULE_LABELS: dict[ViolationCode, frozenset[str]] = {
    ViolationCode.no_mask: frozenset({"face_no_mask"}),
    ViolationCode.phone_use: frozenset({"cell_phone"}),
    ViolationCode.intrusion: frozenset({"person"}),
    ViolationCode.rodent: frozenset({"motion"}),
    ViolationCode.stove_unattended: StoveUnattendedRule.labels,
    ViolationCode.fire_smoke: FireSmokeRule.labels,
}
DEFAULT_PERSIST_S: dict[ViolationCode, float] = {
    ViolationCode.stove_unattended: 300.0,
    ViolationCode.rodent: 1.0,
    ViolationCode.fire_smoke: 10.0,  # steam and flicker come and go; real smoke stays
}


def _default(code: ViolationCode) -> RuleConfig:
    return RuleConfig(code=code, persist_s=DEFAULT_PERSIST_S.get(code, 3.0))


def default_rules(camera: CameraConfig, labels: Collection[str] = ()) -> list[RuleConfig]:
    """No mask, phone use and intrusion everywhere; stove and rodent only where their zones are drawn;
    fire/smoke where the detectors can see it (``labels``: what the detector stack can produce)."""
    kinds = {z.kind for z in camera.zones}
    rules = [RuleConfig(code=ViolationCode.no_mask), RuleConfig(code=ViolationCode.phone_use)]
    rules.append(RuleConfig(code=ViolationCode.intrusion))
    if "stove" in kinds:
        rules.append(_default(ViolationCode.stove_unattended))
    if "floor" in kinds:
        rules.append(_default(ViolationCode.rodent))
    if RULE_LABELS[ViolationCode.fire_smoke] & set(labels):
        rules.append(_default(ViolationCode.fire_smoke))
    return rules


def build_rules(
    camera: CameraConfig,
    schedule: WorkingSchedule,
    gap_s: float = 3.0,
    supplied: Mapping[str, ViolationCode] | None = None,
) -> list[Rule]:
    """``supplied``: label -> code that supplied models declare (model cards); each gets a generic rule
    with default timing unless the camera configures that label itself, or the built-in rule for the code
    when that rule reads the label (unless the camera configures the code itself)."""
    supplied = supplied or {}
    zones = CameraZones(camera.zones)
    rules: list[Rule] = []
    configs = list(camera.rules or default_rules(camera))  # the loop below adds what supplied labels call for
    configured = {c.label for c in configs if c.label}
    built_in = {c.code for c in configs if not c.label}
    for label, code in supplied.items():
        if label in RULE_LABELS.get(code, ()):
            if code not in built_in:
                configs.append(_default(code))
                built_in.add(code)
        elif label not in configured:
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
