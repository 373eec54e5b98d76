"""Face attributes from face crops: an ONNX classifier (mask / no mask / not a face) run with onnxruntime.

The model and its card live in the models folder under ``brightkitchen-mask-classifier/`` (shipped in
``edge/bundled/``; ``brightkitchen train --task classify`` writes new ones). The card says how a crop is
cut: a square centred on the box, its side the box's longer side times ``context``, resized to
``input_size`` (RGB, 0-1, NCHW). Training cuts its crops with the same functions (``crop_matrix``,
``cut``), so the two cannot drift apart.

Boxes from a face detector are tighter than the head boxes the model learnt from, hence the runtime's own
``context`` (``FaceAttributeConfig.context``, crop side / face box side).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from brightkitchen.edge.detect.files import ModelFileMissing, model_file, ort_session

MASK, NO_MASK, BACKGROUND = "mask", "no_mask", "background"  # the card labels this runtime needs


class ClassifierCard(BaseModel):
    """What the runtime needs to run a crop classifier, plus what a reviewer needs (ignored at run time)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task: str = Field("classify", pattern="^classify$")
    name: str = Field(min_length=1)
    version: str = "1"
    file: str = Field(min_length=1)
    input_size: int = Field(48, ge=8, le=512)  # square crops
    labels: list[str] = Field(min_length=2)
    context: float = Field(1.0, gt=0, le=4)  # crop side / labelled box's longer side, in training
    # background: p(background) at or above which a crop is not a face; no_mask: p(no_mask) / (p(mask) +
    # p(no_mask)) at or above which a face is unmasked.
    # chosen on the validation split by training, never on the test split
    thresholds: dict[str, float] = Field(default_factory=dict)
    description: str = ""
    metrics: dict[str, Any] = Field(default_factory=dict)
    training: dict[str, Any] = Field(default_factory=dict)
    data: list[dict[str, str]] = Field(default_factory=list)

    @field_validator("labels")
    @classmethod
    def _unique(cls, labels: list[str]) -> list[str]:
        if len(set(labels)) != len(labels) or any(not lab.strip() for lab in labels):
            raise ValueError("labels must be unique and non-empty")
        return labels

    @model_validator(mode="after")
    def _known(self) -> ClassifierCard:
        unknown = set(self.thresholds) - set(self.labels)
        if unknown:
            raise ValueError(f"thresholds name labels the card does not list: {sorted(unknown)}")
        if any(not 0 <= t <= 1 for t in self.thresholds.values()):
            raise ValueError("thresholds must lie in [0, 1]")
        return self


def load_classifier_card(path: Path) -> tuple[ClassifierCard, Path]:
    """The card and the absolute path of its model file (relative to the card's folder)."""
    card = ClassifierCard.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    model = Path(card.file)
    return card, model if model.is_absolute() else Path(path).parent / model


def crop_matrix(
    cx: float, cy: float, side: float, size: int, angle_deg: float = 0.0, flip: bool = False
) -> npt.NDArray[np.float64]:
    """2x3 affine map from the frame to a ``size`` x ``size`` crop of a square of ``side`` px centred at
    (cx, cy), turned by ``angle_deg`` and mirrored when ``flip`` (training varies both; the runtime uses 0)."""
    scale = size / max(side, 1e-3)
    a = math.radians(angle_deg)
    cos, sin = math.cos(a) * scale, math.sin(a) * scale
    fx = -1.0 if flip else 1.0
    # rotate and scale about the centre, then move the centre to the crop's centre
    m = np.array([[fx * cos, fx * sin, 0.0], [-sin, cos, 0.0]], np.float64)
    m[:, 2] = np.array([size / 2, size / 2]) - m[:, :2] @ np.array([cx, cy])
    return m


def cut(frame_bgr: npt.NDArray[np.uint8], matrix: npt.NDArray[np.float64], size: int) -> npt.NDArray[np.uint8]:
    """The crop (size x size, BGR); pixels beyond the frame repeat its edge."""
    out = cv2.warpAffine(frame_bgr, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(out, np.uint8)


def to_input(crops_bgr: list[npt.NDArray[np.uint8]]) -> npt.NDArray[np.float32]:
    """(N, 3, S, S) RGB in [0, 1]: the network's input layout."""
    batch = np.stack([c[:, :, ::-1] for c in crops_bgr]).astype(np.float32) / 255.0
    return np.ascontiguousarray(batch.transpose(0, 3, 1, 2))


def square_crops(
    frame_bgr: npt.NDArray[np.uint8], boxes: npt.NDArray[np.float32], context: float, size: int
) -> list[npt.NDArray[np.uint8]]:
    """One crop per box: centred square, side = the box's longer side x ``context``."""
    crops: list[npt.NDArray[np.uint8]] = []
    for x1, y1, x2, y2 in np.asarray(boxes, np.float32).reshape(-1, 4):
        side = max(float(x2 - x1), float(y2 - y1), 1.0) * context
        crops.append(cut(frame_bgr, crop_matrix(float(x1 + x2) / 2, float(y1 + y2) / 2, side, size), size))
    return crops


class FaceAttributeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    folder: str = "brightkitchen-mask-classifier"
    card: str = "card.yaml"
    # crop side / face-detector box side: YuNet boxes are tight faces, the training labels loose heads
    # (median longer-side ratio 1.87 on the train split); 2.1 was the best of 1.5 / 1.8 / 2.1 / 2.4 on validation
    context: float = Field(2.1, gt=0, le=4)
    num_threads: int = Field(1, ge=0)  # onnxruntime intra-op threads; 0 = onnxruntime decides


class FaceAttributes:
    """Mask / no mask / not a face for face boxes, from one batched forward pass per frame."""

    def __init__(self, config: FaceAttributeConfig, card: ClassifierCard, session: ort.InferenceSession) -> None:
        missing = {MASK, NO_MASK} - set(card.labels)
        if missing:
            raise ValueError(f"the card {card.name} does not classify masks: it lacks labels {sorted(missing)}")
        self.config = config
        self.card = card
        self.name = card.name
        self.version = card.version
        self._session = session
        self._input = session.get_inputs()[0].name

    @classmethod
    def load(cls, config: FaceAttributeConfig, models_dir: Path) -> FaceAttributes:
        card_path = model_file(models_dir, config.folder, config.card)
        card, model = load_classifier_card(card_path)
        if not model.is_file():
            raise ModelFileMissing(f"model file {config.folder}/{card.file} named by its card is missing")
        return cls(config, card, ort_session(model, config.num_threads))

    @staticmethod
    def present(config: FaceAttributeConfig, models_dir: Path) -> bool:
        return (Path(models_dir) / config.folder / config.card).is_file()

    def probabilities(
        self, frame_bgr: npt.NDArray[np.uint8], boxes: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float32]:
        """(N, len(card.labels)) class probabilities, one row per box."""
        if not len(boxes):
            return np.zeros((0, len(self.card.labels)), np.float32)
        crops = square_crops(frame_bgr, boxes, self.config.context, self.card.input_size)
        (probs,) = self._session.run(None, {self._input: to_input(crops)})
        return np.asarray(probs, np.float32).reshape(len(crops), len(self.card.labels))

    def decide(self, probs: npt.NDArray[np.float32], background: bool = True) -> list[str]:
        """Per row: ``background`` when p(background) reaches its threshold (not a face; only with
        ``background``), else ``no_mask`` when p(no_mask) / (p(mask) + p(no_mask)) reaches its threshold,
        else ``mask``."""
        index = {label: k for k, label in enumerate(self.card.labels)}
        t_bg = self.card.thresholds.get(BACKGROUND, 0.5)
        t_no = self.card.thresholds.get(NO_MASK, 0.5)
        out: list[str] = []
        for row in probs:
            if background and BACKGROUND in index and row[index[BACKGROUND]] >= t_bg:
                out.append(BACKGROUND)
                continue
            face = float(row[index[MASK]] + row[index[NO_MASK]])
            out.append(NO_MASK if face > 0 and row[index[NO_MASK]] / face >= t_no else MASK)
        return out
