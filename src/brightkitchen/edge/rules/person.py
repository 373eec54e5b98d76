"""Rules about tracked people: no mask, phone use, intrusion outside working hours."""

from __future__ import annotations

from collections.abc import Hashable

from brightkitchen.edge.detect.frame_violations import PHONE_NEAR
from brightkitchen.edge.geometry import expand, intersects
from brightkitchen.edge.rules.base import Scene, Trigger, track_of
from brightkitchen.edge.rules.common import Evidence, fire, gate, in_work_area, labelled
from brightkitchen.edge.rules.schedule import WorkingSchedule
from brightkitchen.edge.rules.zones import CameraZones, area, centre, contains_point, overlap_of
from brightkitchen.protocol import RuleConfig, ViolationCode

PERSON_MIN_SCORE = 0.3  # for association and presence, looser than the rule's own threshold


def _people(scene: Scene) -> list[int]:
    return [i for i in labelled(scene, {"person"}, PERSON_MIN_SCORE) if track_of(scene.dets, i) is not None]


def _person_holding_face(scene: Scene, face: int, people: list[int]) -> int | None:
    """The smallest tracked person box that holds the face centre: the nearest person in depth."""
    x, y = centre(scene.dets.xyxy[face])
    holders = [p for p in people if contains_point(scene.dets.xyxy[p], x, y)]
    return min(holders, key=lambda p: area(scene.dets.xyxy[p]), default=None)


class NoMaskRule:
    """``face_no_mask`` persisting on one person (keyed by the person's track, else the face's own)."""

    code = ViolationCode.no_mask

    def __init__(self, cfg: RuleConfig, zones: CameraZones, gap_s: float) -> None:
        self.cfg, self.zones, self.gate = cfg, zones, gate(cfg, gap_s, per_track=True)

    def step(self, scene: Scene) -> list[Trigger]:
        people = _people(scene)
        current: dict[Hashable, Evidence] = {}
        for face in in_work_area(scene, self.zones, labelled(scene, {"face_no_mask"}, self.cfg.min_score)):
            person = _person_holding_face(scene, face, people)
            score = float(scene.dets.scores[face])
            if person is not None:
                current[("person", track_of(scene.dets, person))] = Evidence(
                    (person, face), score, track_of(scene.dets, person)
                )
            elif (fid := track_of(scene.dets, face)) is not None:
                current[("face", fid)] = Evidence((face,), score, fid)
        return fire(self.code, scene, self.gate, current)


class PhoneUseRule:
    """A ``cell_phone`` box at a tracked person, persisting on that person.

    "At" is the still-image check's own test (``frame_violations``): the phone touches the person's box
    grown by ``PHONE_NEAR``; of several such people, the one whose box covers most of the phone.
    """

    code = ViolationCode.phone_use

    def __init__(self, cfg: RuleConfig, zones: CameraZones, gap_s: float) -> None:
        self.cfg, self.zones, self.gate = cfg, zones, gate(cfg, gap_s, per_track=True)

    def step(self, scene: Scene) -> list[Trigger]:
        people = in_work_area(scene, self.zones, _people(scene))
        current: dict[Hashable, Evidence] = {}
        grown = expand(scene.dets.xyxy[people], PHONE_NEAR) if people else scene.dets.xyxy[:0]
        for phone in labelled(scene, {"cell_phone"}, self.cfg.min_score):
            box = scene.dets.xyxy[phone]
            near = [p for p, hit in zip(people, intersects(box, grown)[0], strict=True) if hit]
            best = max(near, key=lambda p: overlap_of(box, scene.dets.xyxy[p]), default=None)
            if best is None:
                continue
            tid = track_of(scene.dets, best)
            score = float(scene.dets.scores[phone])
            prev = current.get(tid)
            if prev is None or score > prev.score:
                current[tid] = Evidence((best, phone), score, tid)
        return fire(self.code, scene, self.gate, current)


class IntrusionRule:
    """A tracked person in the work area outside the site's working hours."""

    code = ViolationCode.intrusion

    def __init__(self, cfg: RuleConfig, zones: CameraZones, gap_s: float, schedule: WorkingSchedule) -> None:
        self.cfg, self.zones, self.schedule = cfg, zones, schedule
        self.gate = gate(cfg, gap_s, per_track=True)

    def step(self, scene: Scene) -> list[Trigger]:
        current: dict[Hashable, Evidence] = {}
        if not self.schedule.is_working(scene.t):
            people = [p for p in _people(scene) if scene.dets.scores[p] >= self.cfg.min_score]
            for p in in_work_area(scene, self.zones, people):
                tid = track_of(scene.dets, p)
                current[tid] = Evidence((p,), float(scene.dets.scores[p]), tid)
        return fire(self.code, scene, self.gate, current)
