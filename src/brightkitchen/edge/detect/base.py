"""The one container every stage takes and returns, and the detector interface.

Boxes are pixel corners (x1, y1, x2, y2) in the frame that was analysed. Labels are the
stable detection labels: ``person``, ``face``, ``face_mask``, ``face_no_mask``, ``cell_phone``,
``motion``, ``flame`` plus whatever labels an operator-supplied model declares in its card.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from brightkitchen.protocol.codes import ViolationCode


@dataclass(frozen=True)
class Detections:
    xyxy: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros((0, 4), np.float32))
    scores: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros((0,), np.float32))
    labels: tuple[str, ...] = ()
    track_ids: npt.NDArray[np.int64] | None = None

    def __post_init__(self) -> None:
        n = len(self.labels)
        if self.xyxy.shape != (n, 4) or self.scores.shape != (n,):
            raise ValueError(f"inconsistent detections: {self.xyxy.shape}, {self.scores.shape}, {n} labels")
        if self.track_ids is not None and self.track_ids.shape != (n,):
            raise ValueError("track_ids must have one entry per detection")

    def __len__(self) -> int:
        return len(self.labels)

    @staticmethod
    def empty() -> Detections:
        return Detections()

    @staticmethod
    def from_lists(
        boxes: list[tuple[float, float, float, float]] | list[list[float]],
        scores: list[float],
        labels: list[str],
        track_ids: list[int] | None = None,
    ) -> Detections:
        return Detections(
            xyxy=np.asarray(boxes, np.float32).reshape(-1, 4),
            scores=np.asarray(scores, np.float32).reshape(-1),
            labels=tuple(labels),
            track_ids=None if track_ids is None else np.asarray(track_ids, np.int64).reshape(-1),
        )

    def select(self, mask: npt.NDArray[np.bool_]) -> Detections:
        idx = np.flatnonzero(mask)
        return Detections(
            xyxy=self.xyxy[idx],
            scores=self.scores[idx],
            labels=tuple(self.labels[i] for i in idx),
            track_ids=None if self.track_ids is None else self.track_ids[idx],
        )

    def with_label(self, *labels: str) -> Detections:
        wanted = set(labels)
        return self.select(np.array([lab in wanted for lab in self.labels], dtype=bool))

    @staticmethod
    def merge(parts: list[Detections]) -> Detections:
        parts = [p for p in parts if len(p)]
        if not parts:
            return Detections.empty()
        tracked = all(p.track_ids is not None for p in parts)
        return Detections(
            xyxy=np.concatenate([p.xyxy for p in parts]).astype(np.float32),
            scores=np.concatenate([p.scores for p in parts]).astype(np.float32),
            labels=tuple(lab for p in parts for lab in p.labels),
            track_ids=np.concatenate([p.track_ids for p in parts if p.track_ids is not None]) if tracked else None,
        )


class Detector(Protocol):
    """A loaded model, or a stack of them, that runs on whole frames.

    ``name`` and ``version`` travel with every event it causes; ``versions`` names every model inside it
    (heartbeats report them); ``label_codes`` maps labels of operator-supplied models to the violation each
    raises (the agent builds a generic rule for each).
    """

    name: str
    version: str

    @property
    def label_codes(self) -> Mapping[str, ViolationCode]: ...

    @property
    def versions(self) -> Mapping[str, str]: ...

    def detect(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections: ...


class SingleModel:
    """Base of a detector that is one model: it names only itself and raises no code by label."""

    name: str
    version: str

    @property
    def label_codes(self) -> Mapping[str, ViolationCode]:
        return {}

    @property
    def versions(self) -> Mapping[str, str]:
        return {self.name: self.version}
