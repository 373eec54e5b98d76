"""The detector stack for still frames: built once from a models folder, run per frame.

Model pack present: Yolo-Fastest (people, phones) + the mask check (YuNet and aizoo faces classified by
the project's mask classifier, or, selectable and the fallback without it, by the aizoo or ulfd mask
model) + any operator models from model cards. Model pack absent: the Haar face
fallback, announced in the log and in ``DetectorStack.fallback``. A half-installed pack is an error,
not a fallback: run `brightkitchen models verify`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from brightkitchen.edge.detect.base import Detections, Detector
from brightkitchen.edge.detect.card_set import stack_cards
from brightkitchen.edge.detect.face_attributes import FaceAttributeConfig, FaceAttributes
from brightkitchen.edge.detect.facemask_aizoo import AizooConfig, AizooMaskDetector
from brightkitchen.edge.detect.facemask_ulfd import UlfdConfig, UlfdMaskDetector
from brightkitchen.edge.detect.files import ModelFileMissing
from brightkitchen.edge.detect.haar_fallback import HaarConfig, HaarFaceDetector
from brightkitchen.edge.detect.mask_check import MaskCheck, MaskCheckConfig
from brightkitchen.edge.detect.masks import MaskModel
from brightkitchen.edge.detect.onnx_yolo import OnnxYoloDetector
from brightkitchen.edge.detect.yolo_darknet import YoloDarknetConfig, YoloDarknetDetector
from brightkitchen.edge.detect.yunet import YuNetConfig, YuNetDetector
from brightkitchen.protocol.codes import ViolationCode

log = logging.getLogger(__name__)


class StackConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # classifier: YuNet + aizoo faces, each classified by the crop classifier (falls back to aizoo when the
    # classifier is not installed); measured best of the three: docs/detectors.md
    mask_model: Literal["classifier", "aizoo", "ulfd"] = "classifier"
    face_attributes: FaceAttributeConfig = Field(default_factory=FaceAttributeConfig)
    people_model: Literal["coco", "body"] = "coco"  # body finds people only (no phones)
    yunet: YuNetConfig = Field(default_factory=YuNetConfig)
    aizoo: AizooConfig = Field(default_factory=AizooConfig)
    ulfd: UlfdConfig = Field(default_factory=UlfdConfig)
    coco: YoloDarknetConfig = Field(default_factory=YoloDarknetConfig)
    body: YoloDarknetConfig = Field(default_factory=YoloDarknetConfig.body)
    mask_check: MaskCheckConfig = Field(default_factory=MaskCheckConfig)
    haar: HaarConfig = Field(default_factory=HaarConfig)
    model_cards: list[Path] = Field(default_factory=list)
    fire_smoke: bool = True  # run the project's fire/smoke model when `models install` put it in the models folder

    def people(self) -> YoloDarknetConfig:
        return self.coco if self.people_model == "coco" else self.body

    def required_files(self) -> list[tuple[str, str]]:
        """(folder, file) the stack needs from the model pack."""
        people = self.people()
        mask: list[tuple[str, str]] = (
            [(self.aizoo.folder, self.aizoo.prototxt), (self.aizoo.folder, self.aizoo.caffemodel)]
            if self.mask_model in ("classifier", "aizoo")
            else [(self.ulfd.folder, self.ulfd.file)]
        )
        faces = (self.yunet.folder, self.yunet.file)
        return [(people.folder, people.cfg), (people.folder, people.weights), faces, *mask]


@dataclass
class DetectorStack:
    detectors: list[Detector]
    mask_check: MaskCheck | None = None
    fallback: str | None = None  # why the stack is running without the model pack; None when it is not
    label_codes: dict[str, ViolationCode] = field(default_factory=dict)  # from model cards

    @classmethod
    def build(cls, config: StackConfig, models_dir: Path, extra_cards: Sequence[Path] = ()) -> DetectorStack:
        """``extra_cards``: over-the-air models; each replaces a configured or bundled card of its name."""
        paths = stack_cards(config.model_cards, models_dir, config.fire_smoke, extra_cards)
        cards = [OnnxYoloDetector.load(path) for path in paths]
        label_codes = {label: code for card in cards for label, code in card.label_codes.items()}
        present = [(Path(models_dir) / folder / name).is_file() for folder, name in config.required_files()]
        if not any(present):
            haar = HaarFaceDetector.load(config.haar)
            return cls(detectors=[haar, *cards], fallback="haar", label_codes=label_codes)
        if not all(present):
            missing = [f"{d}/{n}" for (d, n), ok in zip(config.required_files(), present, strict=True) if not ok]
            raise ModelFileMissing(f"the model pack is incomplete, missing {', '.join(missing)}")
        people = YoloDarknetDetector.load(config.people(), models_dir)
        mask_model: MaskModel = (
            UlfdMaskDetector.load(config.ulfd, models_dir)
            if config.mask_model == "ulfd"
            else AizooMaskDetector.load(config.aizoo, models_dir)
        )
        attributes: FaceAttributes | None = None
        yunet = config.yunet
        if config.mask_model == "classifier":
            if FaceAttributes.present(config.face_attributes, models_dir):
                attributes = FaceAttributes.load(config.face_attributes, models_dir)
                # the classifier drops what is not a face, so YuNet may report weaker faces
                yunet = yunet.model_copy(update={"score_threshold": config.mask_check.classifier_face_score})
            else:
                log.warning(
                    "mask classifier %s/ is not in the models folder (run `brightkitchen models install`): "
                    "the mask check falls back to aizoo + YuNet",
                    config.face_attributes.folder,
                )
        faces = YuNetDetector.load(yunet, models_dir)
        return cls(
            detectors=[people, *cards],
            mask_check=MaskCheck(config.mask_check, mask_model, faces, attributes),
            label_codes=label_codes,
        )

    def versions(self) -> dict[str, str]:
        """name -> version of every model in use; travels with the events they cause."""
        models: list[Detector | MaskModel] = list(self.detectors)
        if self.mask_check is not None:
            if self.mask_check.model is not None:
                models.append(self.mask_check.model)
            if self.mask_check.faces is not None:
                models.append(self.mask_check.faces)
        versions = {m.name: m.version for m in models}
        if self.mask_check is not None and self.mask_check.attributes is not None:
            versions[self.mask_check.attributes.name] = self.mask_check.attributes.version
        return versions

    def run(self, frame_bgr: npt.NDArray[np.uint8]) -> Detections:
        parts = [d.detect(frame_bgr) for d in self.detectors]
        if self.mask_check is not None:
            parts.append(self.mask_check.run(frame_bgr))
        return Detections.merge(parts)
