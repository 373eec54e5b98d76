"""The model card: what a detection model file is (labels, input, thresholds, the violations its labels raise).

Shared by the edge (which runs models by their card) and the platform (whose registry checks uploaded cards),
so it lives here, in the wire package both may import. No I/O: reading a card file is the edge's job.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from brightkitchen.protocol.codes import ViolationCode

Layout = Literal["v5", "v8"]


class ModelCard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    version: str = "1"
    file: str = Field(min_length=1)
    layout: Literal["auto", "v5", "v8"] = "auto"
    input_size: tuple[int, int]  # width, height
    labels: list[str] = Field(min_length=1)
    violations: dict[str, ViolationCode] = Field(default_factory=dict)
    score_threshold: float = Field(0.4, ge=0, le=1)
    label_thresholds: dict[str, float] = Field(default_factory=dict)
    nms_iou: float = Field(0.45, ge=0, le=1)
    letterbox: bool = True  # ultralytics exports expect a letterboxed input (grey 114 padding)
    rgb: bool = True
    num_threads: int = Field(1, ge=0)
    description: str = ""
    metrics: dict[str, Any] = Field(default_factory=dict)
    training: dict[str, Any] = Field(default_factory=dict)
    data: list[dict[str, str]] = Field(default_factory=list)

    @field_validator("input_size", mode="before")
    @classmethod
    def _one_or_two(cls, value: object) -> object:
        return (value, value) if isinstance(value, int) else value

    @field_validator("labels")
    @classmethod
    def _unique_labels(cls, labels: list[str]) -> list[str]:
        if len(set(labels)) != len(labels) or any(not lab.strip() for lab in labels):
            raise ValueError("labels must be unique and non-empty")
        return labels

    @model_validator(mode="after")
    def _known_labels(self) -> ModelCard:
        unknown = (set(self.violations) | set(self.label_thresholds)) - set(self.labels)
        if unknown:
            raise ValueError(f"violations / label_thresholds name labels the card does not list: {sorted(unknown)}")
        return self


def resolve_layout(shape: tuple[int, ...], classes: int, declared: str) -> Layout:
    """Which layout an output of ``shape`` is, checked against the card's class count."""
    if len(shape) != 3:
        raise ValueError(f"expected a (1, A, B) output, got {shape}")
    fits_v5 = shape[2] == 5 + classes
    fits_v8 = shape[1] == 4 + classes
    if declared == "v5" and fits_v5:
        return "v5"
    if declared == "v8" and fits_v8:
        return "v8"
    if declared == "auto" and fits_v5 != fits_v8:
        return "v5" if fits_v5 else "v8"
    raise ValueError(f"output {shape} does not fit layout {declared} with {classes} labels")
