"""What every rule shares: the scene it is fed, the trigger it returns, and the persistence gate.

Rules are pure state machines over tracked detections: time comes in with each scene (the frame's
capture time from the injected clock), never from ``time.time()``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from brightkitchen.edge.detect.base import Detections
from brightkitchen.protocol import ViolationCode


@dataclass(frozen=True)
class Scene:
    """One analysed frame of one camera, after tracking."""

    t: float  # capture time, epoch seconds
    width: int
    height: int
    dets: Detections


@dataclass(frozen=True)
class Trigger:
    code: ViolationCode
    started_at: float  # when the condition began to hold
    at: float  # when it had held long enough
    score: float
    track_id: int | None
    boxes: Detections  # what shows it: drawn on the snapshot and sent in the event
    test: bool = False  # an installer's end-to-end test alert, not a real violation


class Rule(Protocol):
    code: ViolationCode

    def step(self, scene: Scene) -> list[Trigger]: ...


class Persistence:
    """Per key (a track, a zone, the scene): fire once the condition has held ``persist_s``.

    Gaps shorter than ``gap_s`` do not break an episode (detectors flicker). A key fires once; it is
    forgotten, and may fire again, after ``forget_s`` unseen or on an explicit reset. After any firing
    the rule is quiet for ``cooldown_s``; keys that come due in that time count as covered by that alert.
    """

    def __init__(self, persist_s: float, cooldown_s: float, gap_s: float, forget_s: float) -> None:
        self.persist_s, self.cooldown_s, self.gap_s = persist_s, cooldown_s, gap_s
        self.forget_s = max(forget_s, gap_s)
        self._since: dict[Hashable, float] = {}
        self._seen: dict[Hashable, float] = {}
        self._fired: set[Hashable] = set()
        self._last_fire: float | None = None

    def step(
        self, active: Iterable[Hashable], t: float, reset: Iterable[Hashable] = ()
    ) -> list[tuple[Hashable, float]]:
        """Feed the keys for which the condition holds now; returns (key, since) for each key that fires."""
        for key in reset:
            self._forget(key)
        active = list(dict.fromkeys(active))
        for key in active:
            if key not in self._since or t - self._seen[key] > self.gap_s:
                self._since[key] = t
            self._seen[key] = t
        for key in [k for k, seen in self._seen.items() if t - seen > self.gap_s]:
            if key not in self._fired or t - self._seen[key] > self.forget_s:
                self._forget(key)
        due = [k for k in active if k not in self._fired and t - self._since[k] >= self.persist_s]
        if not due:
            return []
        self._fired.update(due)
        if self._last_fire is not None and t - self._last_fire < self.cooldown_s:
            return []
        self._last_fire = t
        return [(k, self._since[k]) for k in due]

    def _forget(self, key: Hashable) -> None:
        self._since.pop(key, None)
        self._seen.pop(key, None)
        self._fired.discard(key)


def pick(dets: Detections, indices: Iterable[int]) -> Detections:
    mask = np.zeros(len(dets), bool)
    mask[list(indices)] = True
    return dets.select(mask)


def track_of(dets: Detections, i: int) -> int | None:
    if dets.track_ids is None or dets.track_ids[i] < 0:
        return None
    return int(dets.track_ids[i])
