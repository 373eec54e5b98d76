"""Faces and masks with the real models on a real labelled photo."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from brightkitchen.edge.detect.facemask_aizoo import AizooConfig, AizooMaskDetector, aizoo_anchors, decode_aizoo
from brightkitchen.edge.detect.facemask_ulfd import UlfdConfig, UlfdMaskDetector
from brightkitchen.edge.detect.pipeline import DetectorStack
from brightkitchen.edge.detect.yunet import YuNetConfig, YuNetDetector
from brightkitchen.edge.geometry import iou_matrix
from tests.edge.detect.conftest import LabelledPhoto
from tests.edge.detect.helpers import centres_inside

MASK, NO_MASK = 0, 1  # dataset classes


def test_aizoo_anchors_match_the_network_layout() -> None:
    anchors = aizoo_anchors()
    assert anchors.shape == (5972, 4)  # (33² + 17² + 9² + 5² + 3²) x 4 anchors per cell
    # first cell of the 33x33 map: centre (0.5/33, 0.5/33), first anchor 0.04 square
    np.testing.assert_allclose(anchors[0], [0.5 / 33, 0.5 / 33, 0.04, 0.04], atol=1e-7)
    # zero deltas decode to the anchors themselves
    corners = decode_aizoo(np.zeros((1, 5972, 4), np.float32), anchors)
    np.testing.assert_allclose(
        corners[0], [0.5 / 33 - 0.02, 0.5 / 33 - 0.02, 0.5 / 33 + 0.02, 0.5 / 33 + 0.02], atol=1e-7
    )


def test_stack_calls_the_labelled_unmasked_face(stack: DetectorStack, labelled_photo: LabelledPhoto) -> None:
    _, frame, boxes, classes = labelled_photo
    found = stack.run(frame)
    no_mask = found.with_label("face_no_mask")
    assert len(no_mask)
    iou = iou_matrix(no_mask.xyxy, boxes[classes == NO_MASK])
    assert iou.max() >= 0.3
    assert no_mask.scores[iou.max(axis=1).argmax()] >= 0.5
    # the masked face too, called masked (its label box is a loose head box: centre inside)
    masked = found.with_label("face_mask")
    assert centres_inside(masked.xyxy, boxes[classes == MASK]).any()


def test_aizoo_alone_finds_the_labelled_faces(models_dir: Path, labelled_photo: LabelledPhoto) -> None:
    _, frame, boxes, classes = labelled_photo
    found = AizooMaskDetector.load(AizooConfig(), models_dir).detect(frame)
    assert set(found.labels) <= {"face_mask", "face_no_mask"}
    no_mask = found.with_label("face_no_mask")
    assert iou_matrix(no_mask.xyxy, boxes[classes == NO_MASK]).max() >= 0.3


def test_ulfd_runs_and_speaks_the_same_labels(models_dir: Path, labelled_photo: LabelledPhoto) -> None:
    _, frame, boxes, _ = labelled_photo
    model = UlfdMaskDetector.load(UlfdConfig(score_threshold=0.3), models_dir)
    anchors, probs = model.probabilities(frame)
    assert anchors.shape == (17640, 4) and probs.shape == (17640, 2)
    assert (probs >= 0).all() and (probs <= 1).all()
    found = model.detect(frame)
    assert set(found.labels) <= {"face_mask", "face_no_mask"}
    assert len(found) >= 1 and centres_inside(found.xyxy, boxes).any(axis=1).all()


def test_yunet_finds_faces_on_the_upscaled_photo(models_dir: Path, labelled_photo: LabelledPhoto) -> None:
    _, frame, boxes, _ = labelled_photo
    big = cv2.resize(frame, (512, 512), interpolation=cv2.INTER_CUBIC)
    found = YuNetDetector.load(YuNetConfig(), models_dir).detect(big)
    assert set(found.labels) == {"face"}
    # each YuNet face sits on a labelled face
    assert len(found) >= 3 and centres_inside(found.xyxy, boxes * 4).any(axis=1).all()
