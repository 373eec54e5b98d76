"""Crops around the faces the mask check's finder reports (YuNet at a low bar, plus aizoo's finds), for
training the mask classifier on what it will see at run time.

A found box whose centre lies in a labelled box (one-to-one, ``mask_metrics.match``) takes that label's class;
a found box whose centre lies in no labelled box is ``background`` (the finder's false faces: exactly what the
classifier must learn to drop). Crops are cut the runtime's way: the box's longer side x ``face_context``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from brightkitchen.edge.detect.facemask_aizoo import AizooConfig, AizooMaskDetector
from brightkitchen.edge.detect.mask_check import MaskCheck, MaskCheckConfig
from brightkitchen.edge.detect.yunet import YuNetConfig, YuNetDetector
from brightkitchen.training.classifier import Job
from brightkitchen.training.mask_data import LabelledImage
from brightkitchen.training.mask_metrics import match


def finder(models_dir: Path) -> MaskCheck:
    """The default mask check's face finder, without the classifier."""
    config = MaskCheckConfig()
    yunet = YuNetDetector.load(YuNetConfig(score_threshold=config.classifier_face_score), models_dir)
    return MaskCheck(config, AizooMaskDetector.load(AizooConfig(), models_dir), yunet)


def finder_jobs(images: list[LabelledImage], models_dir: Path, face_context: float, background: int) -> list[Job]:
    """One job per found face on every image (all splits; each job keeps its image, so its split)."""
    check = finder(models_dir)
    jobs: list[Job] = []
    for index, item in enumerate(images):
        found = check.candidate_faces(item.image).xyxy
        paired = dict(match(found, item.boxes, "centre"))
        b = item.boxes
        for i, (x1, y1, x2, y2) in enumerate(found):
            cx, cy = float(x1 + x2) / 2, float(y1 + y2) / 2
            side = float(max(x2 - x1, y2 - y1)) * face_context
            if i in paired:
                jobs.append(Job(index, cx, cy, side, int(item.classes[paired[i]])))
            elif not (len(b) and np.any((cx >= b[:, 0]) & (cx <= b[:, 2]) & (cy >= b[:, 1]) & (cy <= b[:, 3]))):
                jobs.append(Job(index, cx, cy, side, background))  # a second box on a labelled face is neither
    return jobs
