"""The shipped mask classifier at run time, on real photos of mask-wearing-train: it tells a masked from an
unmasked face, the default stack uses it (YuNet + aizoo faces, classified by it), the old path stays
selectable, a models folder without it falls back to aizoo and says so, and bad cards are refused."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest
import yaml
from pydantic import ValidationError

from brightkitchen.edge import bundled_models
from brightkitchen.edge.detect.base import Detections, SingleModel
from brightkitchen.edge.detect.face_attributes import (
    ClassifierCard,
    FaceAttributeConfig,
    FaceAttributes,
    crop_matrix,
    cut,
    load_classifier_card,
)
from brightkitchen.edge.detect.files import ModelFileMissing
from brightkitchen.edge.detect.mask_check import MaskCheck, MaskCheckConfig
from brightkitchen.edge.detect.pipeline import DetectorStack, StackConfig
from brightkitchen.training.mask_data import load_labelled
from brightkitchen.training.mask_metrics import match

BUNDLED = bundled_models.ROOT / "mask-classifier"
# 128x128: two unmasked faces (label 1) and two masked ones (label 0)
PHOTO = "0_10725_jpg.rf.c3b2976ca3bebf51a136bc9f9651ef59"
Frame = npt.NDArray[np.uint8]


@pytest.fixture(scope="module")
def dataset(shared_dir: Path) -> Path:
    path = shared_dir / "datasets" / "mask-wearing-train"
    if not (path / "images").is_dir():
        pytest.skip("the dataset ../shared/datasets/mask-wearing-train is not present")
    return path


@pytest.fixture(scope="module")
def models(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pack (linked from ../shared/models) and the bundled classifier where `models install` puts it."""
    target = tmp_path_factory.mktemp("models")
    for folder in models_dir.iterdir():
        (target / folder.name).symlink_to(folder, target_is_directory=True)
    shutil.copytree(BUNDLED, target / FaceAttributeConfig().folder)
    return target


@pytest.fixture(scope="module")
def photo(dataset: Path) -> tuple[Frame, npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    (item,) = [i for i in load_labelled(dataset) if i.path.stem == PHOTO]
    return item.image, item.boxes, item.classes


def test_the_bundled_folder_is_complete_and_small() -> None:
    sums = bundled_models.read_sums(BUNDLED)
    card, model = load_classifier_card(BUNDLED / "card.yaml")
    assert set(sums) == {"card.yaml", "MODEL_CARD.md", card.file}
    assert model.stat().st_size <= 5 * 1024 * 1024
    assert card.labels == ["mask", "no_mask", "background"]
    assert any("public domain" in row["licence"] for row in card.data)


def test_it_tells_the_masked_face_from_the_unmasked_one(models: Path, photo: tuple[Frame, ...]) -> None:
    frame, boxes, classes = photo
    attributes = FaceAttributes.load(FaceAttributeConfig(context=1.0), models)  # label boxes are head boxes
    faces = boxes[[int(np.flatnonzero(classes == 1)[0]), int(np.flatnonzero(classes == 0)[0])]]
    probs = attributes.probabilities(frame, faces)
    assert probs.shape == (2, 3) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    assert attributes.decide(probs) == ["no_mask", "mask"]
    assert attributes.probabilities(frame, np.zeros((0, 4), np.float32)).shape == (0, 3)


def test_the_default_stack_classifies_yunet_faces_with_it(models: Path, photo: tuple[Frame, ...]) -> None:
    frame, boxes, classes = photo
    stack = DetectorStack.build(StackConfig(), models)
    assert stack.mask_check is not None and stack.mask_check.attributes is not None
    card, _ = load_classifier_card(BUNDLED / "card.yaml")
    assert stack.versions()[card.name] == card.version and "yunet" in stack.versions()
    found = stack.run(frame)
    assert set(found.labels) <= {"person", "cell_phone", "face", "face_mask", "face_no_mask"}
    assert len(found.with_label("face_mask")) >= 1
    no_mask = found.with_label("face_no_mask")
    truth = boxes[classes == 1]
    pairs = match(no_mask.xyxy, truth, "centre")
    assert len(pairs) == len(truth) == 2  # both unmasked faces, each centre inside its label
    assert all(no_mask.scores[i] >= 0.5 for i, _ in pairs)  # calls the rules' default min_score keeps
    assert not match(no_mask.xyxy, boxes[classes == 0], "centre")  # no masked face called unmasked


class GivenFaces(SingleModel):
    """A face finder that reports fixed boxes and scores (the classifier under it is the real one)."""

    name, version = "given", "1"

    def __init__(self, found: Detections) -> None:
        self.found = found

    def detect(self, frame_bgr: Frame) -> Detections:
        return self.found


def _face_box(label_box: npt.NDArray[np.float32]) -> list[float]:
    """A face-detector-sized box inside a head label: the same centre, 1 / 2.1 of its longer side."""
    x1, y1, x2, y2 = (float(v) for v in label_box)
    half = max(x2 - x1, y2 - y1) / 2.1 / 2
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    return [cx - half, cy - half, cx + half, cy + half]


def test_a_weakly_found_unmasked_face_stays_undecided(models: Path, photo: tuple[Frame, ...]) -> None:
    frame, boxes, classes = photo
    unmasked, masked = _face_box(boxes[classes == 1][0]), _face_box(boxes[classes == 0][0])
    attributes = FaceAttributes.load(FaceAttributeConfig(), models)
    config = MaskCheckConfig(use_mask_model_faces=False, face_upscale_below=0)
    strong = Detections.from_lists([unmasked, masked], [0.9, 0.9], ["face", "face"])
    weak = Detections.from_lists([unmasked, masked], [0.3, 0.3], ["face", "face"])
    found = MaskCheck(config, None, GivenFaces(strong), attributes).run(frame)
    assert found.labels == ("face_no_mask", "face_mask") and bool((found.scores >= 0.5).all())
    found = MaskCheck(config, None, GivenFaces(weak), attributes).run(frame)
    assert found.labels == ("face", "face_mask")  # no alarm from a face the finder barely believed in
    assert found.scores[0] == pytest.approx(0.3)
    with pytest.raises(ValueError, match="needs a mask model"):
        MaskCheck(config, None, GivenFaces(strong), None)


def test_the_old_anchor_vote_stays_selectable(models: Path, photo: tuple[Frame, ...]) -> None:
    frame, _, _ = photo
    stack = DetectorStack.build(StackConfig(mask_model="aizoo"), models)
    assert stack.mask_check is not None and stack.mask_check.attributes is None
    assert "aizoo-facemask" in stack.versions()
    assert set(stack.mask_check.run(frame).labels) <= {"face", "face_mask", "face_no_mask"}


def test_without_the_classifier_the_stack_falls_back_to_aizoo_and_says_so(
    models_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = tmp_path / "models"
    target.mkdir()
    for folder in models_dir.iterdir():
        (target / folder.name).symlink_to(folder, target_is_directory=True)
    with caplog.at_level(logging.WARNING):
        stack = DetectorStack.build(StackConfig(), target)
    assert stack.mask_check is not None and stack.mask_check.attributes is None
    assert stack.mask_check.model is not None and stack.mask_check.model.name == "aizoo-facemask"
    assert "falls back to aizoo" in caplog.text


def test_crops_are_centred_squares_beyond_the_frame_edge_too() -> None:
    frame = np.zeros((40, 40, 3), np.uint8)
    frame[10:20, 10:20] = 255  # a white square, centre (15, 15)
    crop = cut(frame, crop_matrix(15, 15, 10, 10), 10)
    assert crop.mean() == 255  # exactly the square
    corner = cut(frame, crop_matrix(0, 0, 20, 20), 20)
    assert corner.shape == (20, 20, 3)  # past the edge, the edge pixels repeat


def _card(folder: Path, **changes: object) -> Path:
    data = yaml.safe_load((BUNDLED / "card.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "card.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_bad_cards_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / FaceAttributeConfig().folder
    with pytest.raises(ValidationError, match="extra"):
        load_classifier_card(_card(folder, colour="blue"))
    with pytest.raises(ValidationError, match="thresholds name labels"):
        load_classifier_card(_card(folder, thresholds={"hat": 0.5}))
    with pytest.raises(ValidationError):
        ClassifierCard.model_validate({"name": "x", "file": "m.onnx", "labels": ["a", "a"]})
    _card(folder, file="missing.onnx")
    with pytest.raises(ModelFileMissing, match=r"missing\.onnx"):
        FaceAttributes.load(FaceAttributeConfig(), tmp_path)
    shutil.copy(BUNDLED / "model.onnx", folder / "model.onnx")
    _card(folder, labels=["hat", "no_hat", "background"], thresholds={})
    with pytest.raises(ValueError, match="does not classify masks"):
        FaceAttributes.load(FaceAttributeConfig(), tmp_path)


def test_a_frame_without_faces_gives_nothing(models: Path) -> None:
    stack = DetectorStack.build(StackConfig(), models)
    assert stack.mask_check is not None
    blank = np.full((128, 128, 3), 128, np.uint8)
    assert len(stack.mask_check.run(blank)) == 0
    assert len(stack.mask_check.run(np.asarray(cv2.GaussianBlur(blank, (3, 3), 0), np.uint8))) == 0
