"""Rules about the scene rather than one person: rodents, an unattended stove, fire or smoke, any supplied label."""

from __future__ import annotations

from collections.abc import Hashable

from brightkitchen.edge.rules.base import Scene, Trigger, track_of
from brightkitchen.edge.rules.common import Evidence, fire, gate, in_work_area, labelled, zone_map
from brightkitchen.edge.rules.person import PERSON_MIN_SCORE
from brightkitchen.edge.rules.zones import CameraZones, area, centre, foot
from brightkitchen.protocol import RuleConfig, ViolationCode


class RodentRule:
    """A small ``motion`` blob on the floor (a floor zone, else the lower part of the frame) with no one about."""

    code = ViolationCode.rodent
    max_area_share = 0.02  # of the frame: a rat at kitchen-camera distance is far smaller than this
    low_share = 0.6  # without a floor zone, the floor is below this share of the height
    person_clear_s = 5.0  # motion just after a person left is the person, not an animal

    def __init__(self, cfg: RuleConfig, zones: CameraZones, gap_s: float) -> None:
        self.cfg, self.zones, self.gate = cfg, zones, gate(cfg, gap_s, per_track=False)
        self._last_person: float | None = None

    def step(self, scene: Scene) -> list[Trigger]:
        if labelled(scene, {"person"}, PERSON_MIN_SCORE):
            self._last_person = scene.t
        current: dict[Hashable, Evidence] = {}
        if self._last_person is None or scene.t - self._last_person >= self.person_clear_s:
            blobs = [i for i in labelled(scene, {"motion"}, self.cfg.min_score) if self._on_floor(scene, i)]
            if blobs:
                best = max(blobs, key=lambda i: float(scene.dets.scores[i]))
                current["floor"] = Evidence(tuple(blobs), float(scene.dets.scores[best]), track_of(scene.dets, best))
        return fire(self.code, scene, self.gate, current)

    def _on_floor(self, scene: Scene, i: int) -> bool:
        box = scene.dets.xyxy[i]
        if area(box) > self.max_area_share * scene.width * scene.height:
            return False
        zm = zone_map(scene, self.zones)
        if zm.excluded(box):
            return False
        x, y = foot(box)
        if zm.has("floor"):
            return bool(zm.names_at("floor", x, y))
        return y >= self.low_share * scene.height


class StoveUnattendedRule:
    """``flame`` (or the fire model's ``fire``) in a stove zone while no person is in that zone, for ``persist_s``."""

    code = ViolationCode.stove_unattended
    labels = frozenset({"flame", "fire"})

    def __init__(self, cfg: RuleConfig, zones: CameraZones, gap_s: float) -> None:
        self.cfg, self.zones, self.gate = cfg, zones, gate(cfg, gap_s, per_track=False)

    def step(self, scene: Scene) -> list[Trigger]:
        zm = zone_map(scene, self.zones)
        if not zm.has("stove"):
            return []
        attended: set[str] = set()
        for p in labelled(scene, {"person"}, PERSON_MIN_SCORE):
            attended |= zm.zones_touching("stove", scene.dets.xyxy[p])
        flames: dict[str, list[int]] = {}
        for f in labelled(scene, set(self.labels), self.cfg.min_score):
            for name in zm.zones_touching("stove", scene.dets.xyxy[f]):
                flames.setdefault(name, []).append(f)
        current: dict[Hashable, Evidence] = {
            name: Evidence(tuple(idx), max(float(scene.dets.scores[i]) for i in idx), None)
            for name, idx in flames.items()
            if name not in attended
        }
        # Anyone at the stove ends the unattended episode at once: no gap forgiveness for presence.
        return fire(self.code, scene, self.gate, current, reset=list(attended))


class FireSmokeRule:
    """``smoke`` anywhere (exclude zones aside), or ``fire`` outside the stove zones, for ``persist_s`` seconds.

    A flame on a stove is cooking (``stove_unattended`` watches it); fire whose centre and foot are both off
    every stove zone is not. One episode for the whole frame: the alarm is the scene, not one box.
    """

    code = ViolationCode.fire_smoke
    labels = frozenset({"fire", "smoke"})

    def __init__(self, cfg: RuleConfig, zones: CameraZones, gap_s: float) -> None:
        self.cfg, self.zones, self.gate = cfg, zones, gate(cfg, gap_s, per_track=False)

    def step(self, scene: Scene) -> list[Trigger]:
        zm = zone_map(scene, self.zones)
        hits = []
        for i in labelled(scene, set(self.labels), self.cfg.min_score):
            box = scene.dets.xyxy[i]
            if zm.excluded(box):
                continue
            on_stove = zm.names_at("stove", *centre(box)) or zm.names_at("stove", *foot(box))
            if scene.dets.labels[i] == "fire" and on_stove:
                continue
            hits.append(i)
        current: dict[Hashable, Evidence] = {}
        if hits:
            current["frame"] = Evidence(tuple(hits), max(float(scene.dets.scores[i]) for i in hits), None)
        return fire(self.code, scene, self.gate, current)


class LabelPersistsRule:
    """Generic: detections labelled ``cfg.label`` (a supplied model's class) persisting → ``cfg.code``."""

    def __init__(self, cfg: RuleConfig, zones: CameraZones, gap_s: float) -> None:
        if not cfg.label:
            raise ValueError(f"rule {cfg.code}: a generic rule needs `label`")
        self.code, self.label = cfg.code, cfg.label
        self.cfg, self.zones, self.gate = cfg, zones, gate(cfg, gap_s, per_track=True)

    def step(self, scene: Scene) -> list[Trigger]:
        current: dict[Hashable, Evidence] = {}
        for i in in_work_area(scene, self.zones, labelled(scene, {self.label}, self.cfg.min_score)):
            tid = track_of(scene.dets, i)
            key: Hashable = tid if tid is not None else "scene"
            score = float(scene.dets.scores[i])
            prev = current.get(key)
            indices = (*prev.indices, i) if prev else (i,)
            current[key] = Evidence(indices, max(score, prev.score if prev else 0.0), tid)
        return fire(self.code, scene, self.gate, current)
