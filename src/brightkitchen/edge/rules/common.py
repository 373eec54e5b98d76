"""Helpers the rule modules share: picking detections, and turning fired keys into triggers."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from brightkitchen.edge.rules.base import Persistence, Scene, Trigger, pick
from brightkitchen.edge.rules.zones import CameraZones, ZoneMap
from brightkitchen.protocol import RuleConfig, ViolationCode

TRACK_FORGET_S = 3600.0  # a fired track id stays fired this long unseen (ids are never reused anyway)


@dataclass(frozen=True)
class Evidence:
    """What one key shows in this frame."""

    indices: tuple[int, ...]
    score: float
    track_id: int | None


def gate(cfg: RuleConfig, gap_s: float, per_track: bool) -> Persistence:
    return Persistence(cfg.persist_s, cfg.cooldown_s, gap_s, TRACK_FORGET_S if per_track else gap_s)


def labelled(scene: Scene, labels: set[str], min_score: float) -> list[int]:
    d = scene.dets
    return [i for i in range(len(d)) if d.labels[i] in labels and d.scores[i] >= min_score]


def in_work_area(scene: Scene, zones: CameraZones, indices: list[int]) -> list[int]:
    zm = zones.at(scene.width, scene.height)
    return [i for i in indices if zm.in_work_area(scene.dets.xyxy[i])]


def zone_map(scene: Scene, zones: CameraZones) -> ZoneMap:
    return zones.at(scene.width, scene.height)


def fire(
    code: ViolationCode,
    scene: Scene,
    gate_: Persistence,
    current: dict[Hashable, Evidence],
    reset: list[Hashable] | None = None,
) -> list[Trigger]:
    fired = gate_.step(current.keys(), scene.t, reset or [])
    out = []
    for key, since in fired:
        ev = current[key]
        out.append(Trigger(code, since, scene.t, ev.score, ev.track_id, pick(scene.dets, ev.indices)))
    return out
