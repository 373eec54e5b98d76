"""Rules from tables of tracked detections over time, with a fake clock (the scene's time)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.rules import Rule, Scene, WorkingSchedule, build_rules
from brightkitchen.protocol import CameraConfig, RuleConfig, ViolationCode, Zone
from tests.edge.pipeline.conftest import Row, dets

TZ = ZoneInfo("Asia/Shanghai")
DAY = datetime(2024, 6, 3, 10, 0, tzinfo=TZ).timestamp()  # 10:00, inside working hours 05:00-20:00
NIGHT = datetime(2024, 6, 3, 2, 0, tzinfo=TZ).timestamp()  # 02:00
W = H = 1000

PERSON = ("person", 0.9, 300, 100, 600, 900)
PERSON2 = ("person", 0.9, 650, 100, 950, 900)
FACE_NO_MASK = ("face_no_mask", 0.8, 400, 120, 500, 250)  # inside PERSON
FACE_NO_MASK2 = ("face_no_mask", 0.8, 750, 120, 850, 250)  # inside PERSON2
FACE_MASK = ("face_mask", 0.8, 400, 120, 500, 250)
WEAK_FACE = ("face_no_mask", 0.3, 400, 120, 500, 250)
PHONE_HELD = ("cell_phone", 0.7, 420, 400, 480, 480)
PHONE_AWAY = ("cell_phone", 0.7, 50, 50, 110, 130)
PHONE_AT_SIDE = ("cell_phone", 0.7, 605, 400, 640, 460)  # just outside the box, held out at arm's length
RAT = ("motion", 0.6, 500, 880, 560, 920)  # small, low
RAT_HIGH = ("motion", 0.6, 500, 100, 560, 140)
BIG_MOTION = ("motion", 0.6, 100, 500, 900, 990)
FLAME = ("flame", 0.8, 120, 600, 220, 700)  # inside the stove zone below
COOK = ("person", 0.9, 100, 300, 300, 950)  # at the stove
BIN_OPEN = ("bin_open", 0.8, 700, 700, 800, 800)

STOVE = Zone(name="stove", kind="stove", points=[(0.05, 0.5), (0.3, 0.5), (0.3, 0.8), (0.05, 0.8)])
FLOOR = Zone(name="floor", kind="floor", points=[(0.0, 0.5), (0.4, 0.5), (0.4, 1.0), (0.0, 1.0)])
EXCLUDE_FACE = Zone(name="poster", kind="exclude", points=[(0.35, 0.1), (0.55, 0.1), (0.55, 0.3), (0.35, 0.3)])

Step = tuple[float, list[Row], list[int]]  # seconds from start, detections, their track ids


def every(start: float, stop: float, rows: list[Row], ids: list[int], step: float = 1.0) -> list[Step]:
    n = round((stop - start) / step)
    return [(start + i * step, rows, ids) for i in range(n + 1)]


def make(rule: RuleConfig, zones: list[Zone] | None = None, hours: tuple[time, time] = (time(5), time(20))) -> Rule:
    cam = CameraConfig(key="cam", name="cam", url="rtsp://x", zones=zones or [], rules=[rule])
    (built,) = build_rules(cam, WorkingSchedule(hours[0], hours[1], "Asia/Shanghai"), gap_s=3.0)
    return built


def run(rule: Rule, steps: list[Step], t0: float = DAY) -> list[tuple[float, int | None]]:
    fired = []
    for offset, rows, ids in sorted(steps, key=lambda s: s[0]):
        d = dets(*rows, track_ids=ids) if rows else Detections.empty()
        for trig in rule.step(Scene(t0 + offset, W, H, d)):
            assert trig.code == rule.code
            assert trig.started_at <= trig.at == t0 + offset
            assert len(trig.boxes) >= 1
            fired.append((offset, trig.track_id))
    return fired


NO_MASK = RuleConfig(code=ViolationCode.no_mask, persist_s=3, cooldown_s=0, min_score=0.5)
NO_MASK_COOL = NO_MASK.model_copy(update={"cooldown_s": 60})


@pytest.mark.parametrize(
    ("name", "cfg", "zones", "steps", "expected"),
    [
        ("persists 3 s on person 1", NO_MASK, [], every(0, 5, [PERSON, FACE_NO_MASK], [1, 10]), [(3, 1)]),
        ("fires once per track", NO_MASK, [], every(0, 20, [PERSON, FACE_NO_MASK], [1, 10]), [(3, 1)]),
        (
            "a missed frame is forgiven",
            NO_MASK,
            [],
            [s for s in every(0, 5, [PERSON, FACE_NO_MASK], [1, 10]) if s[0] != 2],
            [(3, 1)],
        ),
        (
            "a long gap restarts the streak",
            NO_MASK,
            [],
            every(0, 1, [PERSON, FACE_NO_MASK], [1, 10]) + every(6, 10, [PERSON, FACE_NO_MASK], [1, 10]),
            [(9, 1)],
        ),
        ("mask worn: nothing", NO_MASK, [], every(0, 10, [PERSON, FACE_MASK], [1, 10]), []),
        ("below min_score: nothing", NO_MASK, [], every(0, 10, [PERSON, WEAK_FACE], [1, 10]), []),
        ("too short: nothing", NO_MASK, [], every(0, 2, [PERSON, FACE_NO_MASK], [1, 10]), []),
        ("face without person keys on the face track", NO_MASK, [], every(0, 4, [FACE_NO_MASK], [7]), [(3, 7)]),
        ("excluded zone: nothing", NO_MASK, [EXCLUDE_FACE], every(0, 10, [PERSON, FACE_NO_MASK], [1, 10]), []),
        (
            "two people, no cooldown: both",
            NO_MASK,
            [],
            every(0, 5, [PERSON, FACE_NO_MASK, PERSON2, FACE_NO_MASK2], [1, 10, 2, 11]),
            [(3, 1), (3, 2)],
        ),
        (
            "cooldown covers a second person",
            NO_MASK_COOL,
            [],
            every(0, 1, [PERSON, FACE_NO_MASK], [1, 10])
            + every(2, 8, [PERSON, FACE_NO_MASK, PERSON2, FACE_NO_MASK2], [1, 10, 2, 11]),
            [(3, 1)],
        ),
    ],
)
def test_no_mask(name: str, cfg: RuleConfig, zones: list[Zone], steps: list[Step], expected: list[object]) -> None:
    assert run(make(cfg, zones), steps) == expected, name


def test_no_mask_new_track_fires_after_cooldown() -> None:
    rule = make(NO_MASK.model_copy(update={"cooldown_s": 10}))
    steps = every(0, 4, [PERSON, FACE_NO_MASK], [1, 10]) + every(20, 25, [PERSON, FACE_NO_MASK], [5, 12])
    assert run(rule, steps) == [(3, 1), (23, 5)]


PHONE = RuleConfig(code=ViolationCode.phone_use, persist_s=2, cooldown_s=0, min_score=0.5)


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (every(0, 4, [PERSON, PHONE_HELD], [1, 20]), [(2, 1)]),
        (every(0, 4, [PERSON, PHONE_AT_SIDE], [1, 20]), [(2, 1)]),
        (every(0, 4, [PERSON, PHONE_AWAY], [1, 20]), []),
        (every(0, 4, [PHONE_HELD], [20]), []),
        (every(0, 4, [PERSON], [1]), []),
    ],
    ids=["held", "held out at the side", "phone elsewhere", "no person", "no phone"],
)
def test_phone_use(steps: list[Step], expected: list[object]) -> None:
    assert run(make(PHONE), steps) == expected


INTRUSION = RuleConfig(code=ViolationCode.intrusion, persist_s=2, cooldown_s=300, min_score=0.5)


@pytest.mark.parametrize(
    ("t0", "hours", "expected"),
    [
        (NIGHT, (time(5), time(20)), [(2, 1)]),
        (DAY, (time(5), time(20)), []),
        (datetime(2024, 6, 3, 20, 0, tzinfo=TZ).timestamp(), (time(5), time(20)), [(2, 1)]),  # end is exclusive
        (datetime(2024, 6, 3, 23, 0, tzinfo=TZ).timestamp(), (time(22), time(6)), []),  # night shift
        (DAY, (time(22), time(6)), [(2, 1)]),
    ],
    ids=["night", "day", "at closing time", "night shift working", "night shift, daytime"],
)
def test_intrusion(t0: float, hours: tuple[time, time], expected: list[object]) -> None:
    assert run(make(INTRUSION, hours=hours), every(0, 5, [PERSON], [1]), t0=t0) == expected


RODENT = RuleConfig(code=ViolationCode.rodent, persist_s=1, cooldown_s=0, min_score=0.5)


@pytest.mark.parametrize(
    ("zones", "steps", "expected"),
    [
        ([], every(0, 3, [RAT], [30]), [(1, 30)]),
        ([], every(0, 3, [RAT, PERSON], [30, 1]), []),
        ([], every(0, 2, [PERSON], [1]) + every(3, 9, [RAT], [30]), [(8, 30)]),  # waits 5 s after the person
        ([], every(0, 3, [BIG_MOTION], [31]), []),
        ([], every(0, 3, [RAT_HIGH], [32]), []),
        ([FLOOR], every(0, 3, [RAT], [30]), []),  # outside the drawn floor
        ([FLOOR], every(0, 3, [("motion", 0.6, 100, 520, 150, 560)], [33]), [(1, 33)]),
    ],
    ids=["rat", "person present", "person just left", "too big", "too high", "outside floor zone", "in floor zone"],
)
def test_rodent(zones: list[Zone], steps: list[Step], expected: list[object]) -> None:
    assert run(make(RODENT, zones), steps) == expected


STOVE_RULE = RuleConfig(code=ViolationCode.stove_unattended, persist_s=5, cooldown_s=0, min_score=0.5)


@pytest.mark.parametrize(
    ("zones", "steps", "expected"),
    [
        ([STOVE], every(0, 8, [FLAME], [40]), [(5, None)]),
        ([STOVE], every(0, 20, [FLAME, COOK], [40, 1]), []),
        ([STOVE], every(0, 2, [FLAME, COOK], [40, 1]) + every(3, 10, [FLAME], [40]), [(8, None)]),
        (
            [STOVE],
            [*every(0, 3, [FLAME], [40]), (4, [FLAME, COOK], [40, 1]), *every(5, 12, [FLAME], [40])],
            [(10, None)],
        ),
        ([], every(0, 20, [FLAME], [40]), []),
        ([STOVE], every(0, 20, [("flame", 0.8, 700, 100, 800, 200)], [41]), []),
        (
            [STOVE],
            every(0, 8, [FLAME], [40]) + every(9, 10, [FLAME, COOK], [40, 1]) + every(11, 17, [FLAME], [40]),
            [(5, None), (16, None)],
        ),
    ],
    ids=["unattended", "attended", "cook leaves", "brief visit resets", "no stove zone", "flame elsewhere", "rearms"],
)
def test_stove_unattended(zones: list[Zone], steps: list[Step], expected: list[object]) -> None:
    assert run(make(STOVE_RULE, zones), steps) == expected


def test_generic_label_rule() -> None:
    cfg = RuleConfig(code=ViolationCode.bin_uncovered, label="bin_open", persist_s=2, cooldown_s=0, min_score=0.5)
    assert run(make(cfg), every(0, 5, [BIN_OPEN], [50])) == [(2, 50)]
    assert run(make(cfg), every(0, 5, [PERSON], [1])) == []


def test_generic_rule_without_track_ids_keys_on_the_scene() -> None:
    cfg = RuleConfig(code=ViolationCode.fire_smoke, label="smoke", persist_s=2, cooldown_s=0, min_score=0.5)
    rule = make(cfg)
    fired = [t for i in range(6) for t in rule.step(Scene(DAY + i, W, H, dets(("smoke", 0.9, 1, 1, 50, 50))))]
    assert [(t.at - DAY, t.track_id) for t in fired] == [(2, None)]


def test_build_rules_defaults_and_errors() -> None:
    schedule = WorkingSchedule(time(5), time(20), "Asia/Shanghai")
    plain = CameraConfig(key="c", name="c", url="x")
    assert {r.code for r in build_rules(plain, schedule)} == {"no_mask", "phone_use", "intrusion"}
    zoned = plain.model_copy(update={"zones": [STOVE, FLOOR]})
    assert {r.code for r in build_rules(zoned, schedule)} >= {"stove_unattended", "rodent"}
    disabled = plain.model_copy(update={"rules": [RuleConfig(code=ViolationCode.no_mask, enabled=False)]})
    assert build_rules(disabled, schedule) == []
    with pytest.raises(ValueError, match="label"):
        build_rules(plain.model_copy(update={"rules": [RuleConfig(code=ViolationCode.smoking)]}), schedule)
