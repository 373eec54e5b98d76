"""Fire and smoke in the rules, from tables of detections over time: the built-in ``fire_smoke`` rule, ``fire``
feeding ``stove_unattended``, and a fire/smoke model's labels getting those rules instead of generic ones."""

from __future__ import annotations

from datetime import time

import pytest

from brightkitchen.edge.rules import FireSmokeRule, LabelPersistsRule, Rule, Scene, StoveUnattendedRule, build_rules
from brightkitchen.edge.rules import default_rules as defaults
from brightkitchen.edge.rules.schedule import WorkingSchedule
from brightkitchen.protocol import CameraConfig, RuleConfig, ViolationCode, Zone
from tests.edge.pipeline.conftest import Row, dets
from tests.edge.pipeline.test_rules import COOK, DAY, PERSON, STOVE, Step, every, run

SCHEDULE = WorkingSchedule(time(5), time(20), "Asia/Shanghai")
FIRE_SMOKE = RuleConfig(code=ViolationCode.fire_smoke, persist_s=5, cooldown_s=0, min_score=0.5)
STOVE_RULE = RuleConfig(code=ViolationCode.stove_unattended, persist_s=5, cooldown_s=0, min_score=0.5)
MODEL_CODES = {"fire": ViolationCode.fire_smoke, "smoke": ViolationCode.fire_smoke}  # the bundled card's mapping

FIRE_ON_STOVE = ("fire", 0.8, 120, 600, 220, 700)  # centre (170, 650): inside STOVE (50-300 x 500-800)
FIRE_OFF_STOVE = ("fire", 0.8, 600, 600, 700, 700)  # a bin on fire across the room
SMOKE = ("smoke", 0.7, 400, 50, 800, 300)
SMOKE_OVER_STOVE = ("smoke", 0.7, 100, 520, 250, 600)
WEAK_SMOKE = ("smoke", 0.3, 400, 50, 800, 300)
HOOD = Zone(name="hood", kind="exclude", points=[(0.35, 0.0), (0.85, 0.0), (0.85, 0.35), (0.35, 0.35)])


def camera(zones: list[Zone], rules: list[RuleConfig] | None = None) -> CameraConfig:
    return CameraConfig(key="cam", name="cam", url="rtsp://x", zones=zones, rules=rules or [])


def only(rule: RuleConfig, zones: list[Zone]) -> Rule:
    (built,) = build_rules(camera(zones, [rule]), SCHEDULE, gap_s=3.0)
    return built


@pytest.mark.parametrize(
    ("zones", "steps", "expected"),
    [
        ([], every(0, 8, [SMOKE], [1]), [5]),
        ([STOVE], every(0, 8, [SMOKE_OVER_STOVE], [1]), [5]),  # smoke counts anywhere, the stove included
        ([STOVE], every(0, 8, [FIRE_OFF_STOVE], [1]), [5]),
        ([], every(0, 8, [FIRE_ON_STOVE], [1]), [5]),  # no stove zone drawn: any fire is out of place
        ([STOVE], every(0, 30, [FIRE_ON_STOVE], [1]), []),  # cooking
        ([STOVE], every(0, 30, [FIRE_ON_STOVE, COOK], [1, 2]), []),
        ([HOOD], every(0, 30, [SMOKE], [1]), []),  # the range hood is excluded
        ([], every(0, 30, [WEAK_SMOKE], [1]), []),
        ([], every(0, 4, [SMOKE], [1]), []),  # gone before persist_s
        ([], every(0, 30, [SMOKE], [1]), [5]),  # one episode, one alert
        ([], [s for s in every(0, 8, [SMOKE], [1]) if s[0] not in (2, 3)], [5]),  # flicker within rule_gap_s
        ([], every(0, 3, [SMOKE], [1]) + every(10, 16, [SMOKE], [1]), [15]),  # a long gap starts anew
        ([], every(0, 3, [SMOKE], [1]) + every(4, 8, [FIRE_OFF_STOVE], [2]), [5]),  # smoke, then fire: one episode
    ],
    ids=[
        "smoke",
        "smoke over the stove",
        "fire off the stove",
        "fire without stove zone",
        "fire on the stove",
        "cook at the stove",
        "excluded",
        "weak",
        "short",
        "once",
        "flicker",
        "rearms",
        "smoke then fire",
    ],
)
def test_fire_smoke_rule(zones: list[Zone], steps: list[Step], expected: list[float]) -> None:
    rule = only(FIRE_SMOKE, zones)
    assert isinstance(rule, FireSmokeRule)
    assert [t for t, _ in run(rule, steps)] == expected


def test_fire_smoke_trigger_carries_the_boxes_that_show_it() -> None:
    rule = only(FIRE_SMOKE, [STOVE])
    fired = []
    for i in range(6):
        rows: list[Row] = [FIRE_ON_STOVE, SMOKE, PERSON]
        fired += rule.step(Scene(DAY + i, 1000, 1000, dets(*rows, track_ids=[1, 2, 3])))
    (trig,) = fired
    assert trig.code is ViolationCode.fire_smoke and trig.track_id is None
    assert trig.boxes.labels == ("smoke",)  # the cooking fire is not the evidence
    assert trig.score == pytest.approx(0.7)


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (every(0, 8, [FIRE_ON_STOVE], [1]), [5]),
        (every(0, 8, [FIRE_ON_STOVE, COOK], [1, 2]), []),
        (every(0, 8, [FIRE_OFF_STOVE], [1]), []),
    ],
    ids=["fire alone on the stove", "attended", "fire elsewhere"],
)
def test_stove_unattended_reads_fire_as_well_as_flame(steps: list[Step], expected: list[float]) -> None:
    rule = only(STOVE_RULE, [STOVE])
    assert isinstance(rule, StoveUnattendedRule)
    assert [t for t, _ in run(rule, steps)] == expected


def test_model_labels_get_the_built_in_rule_not_a_generic_one() -> None:
    rules = build_rules(camera([STOVE]), SCHEDULE, supplied=MODEL_CODES)
    assert not [r for r in rules if isinstance(r, LabelPersistsRule)]
    (fire_smoke,) = [r for r in rules if r.code is ViolationCode.fire_smoke]
    assert isinstance(fire_smoke, FireSmokeRule) and fire_smoke.cfg.persist_s == 10.0
    assert {r.code for r in rules} == {"no_mask", "phone_use", "intrusion", "stove_unattended", "fire_smoke"}
    # A cook's flame on the stove all day: the stove rule sees an attended stove, fire_smoke sees cooking.
    steps = every(0, 600, [FIRE_ON_STOVE, COOK], [1, 2], step=5.0)
    for rule in rules:
        assert run(rule, steps) == [], rule.code


def test_a_camera_that_configures_its_own_rules_still_gets_fire_smoke_unless_it_says_otherwise() -> None:
    configured = camera([], [RuleConfig(code=ViolationCode.no_mask)])
    codes = [r.code for r in build_rules(configured, SCHEDULE, supplied=MODEL_CODES)]
    assert codes == ["no_mask", "fire_smoke"]  # once, though two labels lead to it
    off = camera([], [RuleConfig(code=ViolationCode.fire_smoke, enabled=False)])
    assert build_rules(off, SCHEDULE, supplied=MODEL_CODES) == []
    own = camera([], [FIRE_SMOKE])
    (rule,) = build_rules(own, SCHEDULE, supplied=MODEL_CODES)
    assert isinstance(rule, FireSmokeRule) and rule.cfg.persist_s == 5


def test_a_smoke_label_mapped_to_another_code_stays_generic() -> None:
    # A cigarette-smoke model: its `smoke` means smoking, which no built-in rule reads.
    rules = build_rules(camera([]), SCHEDULE, supplied={"smoke": ViolationCode.smoking})
    generic = [r for r in rules if isinstance(r, LabelPersistsRule)]
    assert [(r.label, r.code) for r in generic] == [("smoke", ViolationCode.smoking)]
    assert ViolationCode.fire_smoke not in {r.code for r in rules}


def test_default_rules_include_fire_smoke_only_with_the_model() -> None:
    assert ViolationCode.fire_smoke not in {r.code for r in defaults(camera([]))}
    with_model = {r.code: r for r in defaults(camera([]), ["person", "fire", "smoke"])}
    assert with_model[ViolationCode.fire_smoke].persist_s == 10.0
    assert ViolationCode.fire_smoke in {r.code for r in defaults(camera([]), ["smoke"])}
