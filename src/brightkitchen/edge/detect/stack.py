"""The detectors the agent runs, built from the backends in this package.

Two kinds: the shared stack (people, phones, masks, supplied models), stateless, one instance per
analysis worker; and per-camera detectors that keep state between frames (motion's background model,
flame's flicker history), one set per camera, built only where a rule will read their labels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from brightkitchen.edge.config import EdgeCamera, EdgeConfig
from brightkitchen.edge.detect.base import Detections, Detector
from brightkitchen.edge.detect.flame import FlameDetector
from brightkitchen.edge.detect.motion import MotionDetector
from brightkitchen.edge.detect.pipeline import DetectorStack
from brightkitchen.edge.rules import default_rules
from brightkitchen.protocol import ViolationCode


@dataclass
class CameraModels:
    """Stateful detectors of one camera (motion, flame), and which violation code each one's labels raise."""

    detectors: list[Detector] = field(default_factory=list)
    by_code: dict[ViolationCode, Detector] = field(default_factory=dict)


class StackDetector:
    """The detector stack as one ``Detector``: name and version name every model in it."""

    def __init__(self, stack: DetectorStack) -> None:
        self.stack = stack
        self._label_codes = dict(stack.label_codes)  # supplied models' label -> code: generic rules for each
        self._versions = stack.versions()
        self.name = "+".join(self._versions)[:128]
        joined = ",".join(f"{k}={v}" for k, v in self._versions.items())
        self.version = joined if len(joined) <= 64 else hashlib.sha256(joined.encode()).hexdigest()[:16]

    @property
    def label_codes(self) -> Mapping[str, ViolationCode]:
        return self._label_codes

    @property
    def versions(self) -> Mapping[str, str]:
        return self._versions

    def detect(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        return self.stack.run(frame_bgr)


class StackFactory:
    """Builds one detector stack (one per analysis worker). ``cards``: over-the-air model cards to run as
    well, each replacing a configured or bundled model of its name."""

    def __init__(self, config: EdgeConfig) -> None:
        self.config = config

    def __call__(self, cards: Sequence[Path] = ()) -> StackDetector:
        return StackDetector(DetectorStack.build(self.config.detector, self.config.models_dir, cards))


def stack_factory(config: EdgeConfig) -> StackFactory:
    return StackFactory(config)


def camera_models(config: EdgeConfig, camera: EdgeCamera) -> CameraModels:
    codes = {r.code for r in (camera.rules or default_rules(camera)) if r.enabled and not r.label}
    out = CameraModels()
    if ViolationCode.rodent in codes:
        motion = MotionDetector(config.motion)
        out.detectors.append(motion)
        out.by_code[ViolationCode.rodent] = motion
    stoves = [z for z in camera.zones if z.kind == "stove"]
    if ViolationCode.stove_unattended in codes and stoves:
        for zone in stoves:  # one per stove: each keeps the flicker history of its own area
            flame = FlameDetector(config.flame.model_copy(update={"zone": list(zone.points)}))
            out.detectors.append(flame)
            out.by_code[ViolationCode.stove_unattended] = flame
    return out
