"""The crop classifier's training on real photos of mask-wearing-train: a short run exports a working ONNX model
and a card the runtime loads; training crops are the runtime's crops; thresholds come from validation; bad
input is refused with a clear error."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from brightkitchen.edge.detect.face_attributes import (
    FaceAttributeConfig,
    FaceAttributes,
    load_classifier_card,
    square_crops,
    to_input,
)
from brightkitchen.training import classifier
from brightkitchen.training.mask_data import load_labelled
from brightkitchen.training.splits import group_of
from brightkitchen.training.yolo_data import DatasetError

pytest.importorskip("torch")


@pytest.fixture(scope="session")
def mask_dir(shared_dir: Path) -> Path:
    path = shared_dir / "datasets" / "mask-wearing-train"
    if not (path / "data.yaml").is_file():
        pytest.skip("the dataset ../shared/datasets/mask-wearing-train is not present")
    return path


@pytest.fixture(scope="session")
def tiny_mask(mask_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every augmented copy of the first 10 source photos (by name): 30 images, split 6 / 2 / 2 photos."""
    target = tmp_path_factory.mktemp("mask") / "mask-tiny"
    (target / "images").mkdir(parents=True)
    (target / "labels").mkdir()
    images = sorted((mask_dir / "images").glob("*.jpg"))
    groups = sorted({group_of(p.stem) for p in images})[:10]
    for image in (p for p in images if group_of(p.stem) in groups):
        shutil.copy(image, target / "images" / image.name)
        shutil.copy(mask_dir / "labels" / f"{image.stem}.txt", target / "labels" / f"{image.stem}.txt")
    shutil.copy(mask_dir / "data.yaml", target / "data.yaml")
    return target


@pytest.mark.slow
def test_a_short_run_exports_a_model_the_runtime_loads(tiny_mask: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    out = models / FaceAttributeConfig().folder
    card_path = classifier.train_classifier(
        tiny_mask, out, name="mask-test", epochs=2, budget_s=600, seed=0, threads=1, licence="public domain"
    )
    assert card_path == out / "card.yaml"
    card, model = load_classifier_card(card_path)
    assert card.labels == ["mask", "no_mask", "background"] and card.input_size == classifier.SIZE
    assert model == out / "model.onnx" and 0 < model.stat().st_size <= 5 * 1024 * 1024
    assert set(card.thresholds) == {"background", "no_mask"}
    assert all(0 <= t <= 1 for t in card.thresholds.values())
    assert card.training["epochs_run"] == 2 and card.training["seed"] == 0
    assert card.training["splits"] == {"train": 18, "val": 6, "test": 6}
    assert card.metrics["test"]["crops"]["mask"] > 0 and card.metrics["val"]["crops"]["background"] > 0
    assert card.data == [{"dataset": "mask-tiny", "source": "mask-tiny", "licence": "public domain", "attribution": ""}]
    assert "public domain" in (out / "MODEL_CARD.md").read_text(encoding="utf-8")

    # the exported graph gives probabilities for any batch size, and the runtime reads it from the models folder
    image = next(i for i in load_labelled(tiny_mask) if len(i.boxes) >= 2)
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    (probs,) = session.run(None, {"crops": to_input(square_crops(image.image, image.boxes, 1.0, card.input_size))})
    assert probs.shape == (len(image.boxes), 3)
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    attributes = FaceAttributes.load(FaceAttributeConfig(), models)
    assert attributes.probabilities(image.image, image.boxes[:2]).shape == (2, 3)
    assert set(attributes.decide(probs)) <= {"mask", "no_mask", "background"}


@pytest.mark.slow
def test_the_budget_stops_training_after_the_first_epoch(tiny_mask: Path, tmp_path: Path) -> None:
    card_path = classifier.train_classifier(
        tiny_mask, tmp_path / "out", name="mask-test", epochs=5, budget_s=0.001, seed=0, threads=1
    )
    card, _ = load_classifier_card(card_path)
    assert card.training["epochs_run"] == 1
    assert card.data[0]["licence"] == "unknown"  # the copy states none, and the card says so


def test_training_crops_are_the_runtime_crops(tiny_mask: Path) -> None:
    images = load_labelled(tiny_mask)
    index, item = next((i, x) for i, x in enumerate(images) if len(x.boxes))
    (job,) = [j for j in classifier.object_jobs(images, item.split) if j.image == index][:1]
    x1, y1, x2, y2 = item.boxes[0]
    assert (job.cx, job.cy) == pytest.approx(((x1 + x2) / 2, (y1 + y2) / 2))
    (runtime,) = square_crops(item.image, item.boxes[:1], classifier.CONTEXT, classifier.SIZE)
    assert np.array_equal(classifier.render(images, job), runtime)
    jittered = classifier.render(images, job, np.random.default_rng(0))
    assert jittered.shape == runtime.shape and not np.array_equal(jittered, runtime)


def test_background_crops_are_centred_on_no_labelled_box(tiny_mask: Path) -> None:
    images = load_labelled(tiny_mask)
    jobs = classifier.background_jobs(images, "train", 200, 2, np.random.default_rng(0))
    assert len(jobs) == 200
    for job in jobs:
        b = images[job.image].boxes
        inside = (job.cx >= b[:, 0]) & (job.cx <= b[:, 2]) & (job.cy >= b[:, 1]) & (job.cy <= b[:, 3])
        assert images[job.image].split == "train" and not inside.any()


def test_thresholds_come_from_validation_probabilities() -> None:
    labels = ["mask", "no_mask", "background"]
    # 20 objects whose p(background) runs 0.00 .. 0.19, and 5 background crops
    bg = np.r_[np.arange(20) / 100, [0.9] * 5]
    no_mask_share = np.r_[[0.1] * 10, [0.35] * 5, [0.8] * 5, [0.5] * 5]
    probs = np.column_stack([(1 - bg) * (1 - no_mask_share), (1 - bg) * no_mask_share, bg]).astype(np.float32)
    truth = np.r_[[0] * 10, [1] * 10, [2] * 5].astype(np.int64)
    thresholds = classifier.choose_thresholds(probs, truth, labels)
    assert thresholds["background"] == pytest.approx(0.181)  # the 95th percentile 0.1805, rounded up
    # every no-mask object has a share >= 0.35 and every masked one 0.1: the first threshold above 0.1 wins
    assert thresholds["no_mask"] == pytest.approx(0.11)
    decided = classifier.decide(probs, labels, thresholds)
    assert decided[:19].tolist() == truth[:19].tolist()
    assert decided[19:].tolist() == [2] * 6  # the one object at p 0.19 (5 %) is dropped with the background


def test_bad_input_is_refused_with_a_clear_error(tiny_mask: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="epochs"):
        classifier.train_classifier(tiny_mask, tmp_path / "o", name="x", epochs=0, budget_s=10, seed=0, threads=1)
    bare = tmp_path / "bare"
    shutil.copytree(tiny_mask, bare)
    (bare / "data.yaml").unlink()
    with pytest.raises(DatasetError, match=r"data\.yaml"):
        classifier.train_classifier(bare, tmp_path / "o", name="x", epochs=1, budget_s=10, seed=0, threads=1)
    (bare / "data.yaml").write_text("names: ['mask', 'background']\n")
    with pytest.raises(DatasetError, match="background"):
        classifier.train_classifier(bare, tmp_path / "o", name="x", epochs=1, budget_s=10, seed=0, threads=1)
    assert not (tmp_path / "o").exists()  # nothing half-written


def test_finder_crops_take_their_labels_class_or_background(tiny_mask: Path, models_dir: Path) -> None:
    from brightkitchen.training.mask_finder import finder_jobs

    images = load_labelled(tiny_mask)[:6]
    jobs = finder_jobs(images, models_dir, 2.1, 2)
    assert {j.cls for j in jobs} == {0, 1, 2}  # these six photos hold masked and unmasked faces and stray finds
    for job in jobs:
        b = images[job.image].boxes
        inside = (job.cx >= b[:, 0]) & (job.cx <= b[:, 2]) & (job.cy >= b[:, 1]) & (job.cy <= b[:, 3])
        assert inside.any() == (job.cls != 2)
        if job.cls != 2:
            assert job.cls in images[job.image].classes[inside]
