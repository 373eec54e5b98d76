"""Tracking people and objects across analysed frames: ByteTrack's two-stage association.

supervision 0.31 no longer ships ``ByteTrack`` (it moved to Roboflow's ``trackers`` package, which pulls
in the GUI build of OpenCV beside our headless one), so this is ByteTrack's association written out:
high-score detections are matched to tracks first by IoU (Hungarian, scipy), then low-score ones to the
tracks left over, so a person whose score dips for a frame keeps their id. The motion model is a damped
constant-velocity prediction in time (not frames), since frames arrive at ~1 fps with gaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field
from scipy.optimize import linear_sum_assignment

from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.geometry import iou_matrix

# Labels that are one physical thing seen by different classifiers: a face keeps its id when the
# mask classifier flips between mask and no mask.
TRACK_GROUPS: dict[str, str] = {"face": "face", "face_mask": "face", "face_no_mask": "face"}

Boxes = npt.NDArray[np.float32]


class TrackerOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    high_score: float = Field(default=0.5, ge=0, le=1, description="first association; may start a track")
    low_score: float = Field(default=0.1, ge=0, le=1, description="below this a detection is not tracked")
    match_iou: float = Field(default=0.1, gt=0, le=1, description="least IoU between prediction and detection")
    lost_s: float = Field(default=5.0, ge=0, le=600, description="how long an unseen track is kept")
    velocity_weight: float = Field(default=0.5, ge=0, le=1, description="how fast the velocity follows motion")


@dataclass
class _Track:
    track_id: int
    box: Boxes
    t: float
    velocity: Boxes = field(default_factory=lambda: np.zeros(4, np.float32))

    def predict(self, t: float, horizon: float) -> Boxes:
        dt = min(max(t - self.t, 0.0), horizon)
        return (self.box + self.velocity * dt).astype(np.float32)

    def update(self, box: Boxes, t: float, weight: float) -> None:
        dt = t - self.t
        if dt > 0:
            self.velocity = ((1 - weight) * self.velocity + weight * (box - self.box) / dt).astype(np.float32)
        self.box, self.t = box.astype(np.float32), t


def _match(preds: Boxes, boxes: Boxes, min_iou: float) -> list[tuple[int, int]]:
    iou = iou_matrix(preds, boxes)
    if iou.size == 0:
        return []
    rows, cols = linear_sum_assignment(iou, maximize=True)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if iou[r, c] >= min_iou]


class ByteTracker:
    """One per camera. ``update`` returns the same detections with ``track_ids`` (-1: not tracked)."""

    def __init__(self, opts: TrackerOptions | None = None) -> None:
        self.opts = opts or TrackerOptions()
        self._tracks: dict[str, list[_Track]] = {}
        self._next_id = 1

    @property
    def active_tracks(self) -> int:
        return sum(len(v) for v in self._tracks.values())

    def update(self, dets: Detections, t: float) -> Detections:
        ids = np.full(len(dets), -1, np.int64)
        groups = np.array([TRACK_GROUPS.get(label, label) for label in dets.labels], dtype=object)
        for group in set(groups.tolist()) | set(self._tracks):
            idx = np.flatnonzero(groups == group) if len(dets) else np.zeros(0, np.int64)
            self._update_group(group, dets, idx, t, ids)
        return Detections(xyxy=dets.xyxy, scores=dets.scores, labels=dets.labels, track_ids=ids)

    def _update_group(
        self, group: str, dets: Detections, idx: npt.NDArray[np.int64], t: float, ids: npt.NDArray[np.int64]
    ) -> None:
        o = self.opts
        tracks = [tr for tr in self._tracks.get(group, []) if t - tr.t <= o.lost_s]
        scores = dets.scores[idx]
        high, low = idx[scores >= o.high_score], idx[(scores >= o.low_score) & (scores < o.high_score)]
        preds = np.array([tr.predict(t, o.lost_s) for tr in tracks], np.float32).reshape(-1, 4)

        unmatched_tracks = list(range(len(tracks)))
        matched_high: set[int] = set()
        for stage, candidates in ((0, high), (1, low)):
            pairs = _match(preds[unmatched_tracks], dets.xyxy[candidates], o.match_iou)
            taken = set()
            for r, c in pairs:
                tr = tracks[unmatched_tracks[r]]
                tr.update(dets.xyxy[candidates[c]], t, o.velocity_weight)
                ids[candidates[c]] = tr.track_id
                taken.add(unmatched_tracks[r])
                if stage == 0:
                    matched_high.add(c)
            unmatched_tracks = [i for i in unmatched_tracks if i not in taken]

        for c, det in enumerate(high):  # unmatched confident detections start tracks
            if c not in matched_high:
                tracks.append(_Track(self._next_id, dets.xyxy[det].astype(np.float32), t))
                ids[det] = self._next_id
                self._next_id += 1
        if tracks:
            self._tracks[group] = tracks
        else:
            self._tracks.pop(group, None)
