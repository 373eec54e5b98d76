"""The labelling and dataset API's shapes. Field names are a published contract the web app builds against."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from brightkitchen.platform.labelling.vocab import Task

ImageSourceName = Literal["alert", "picture", "upload", "import"]
ImageStatusName = Literal["unreviewed", "confirmed", "corrected", "false_positive"]
ExportFormat = Literal["yolo", "coco"]
INT4 = 2**31 - 1


def _storable(text: str | None) -> str | None:
    """No database text column takes NUL or a lone surrogate: refuse them as bad input, not at INSERT."""
    if text is not None and ("\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text)):
        raise ValueError("text must not contain NUL characters or lone surrogates")
    return text


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class LabelPublic(BaseModel):
    label: str
    name_zh: str
    name_en: str
    code: str | None = Field(description="the violation code this label stands for, if any")


class VocabularyPublic(BaseModel):
    task: Task
    name_zh: str
    name_en: str
    labels: list[LabelPublic] = Field(description="in YOLO class-index order")


class BoxIn(_In):
    label: Annotated[str, AfterValidator(_storable)] = Field(max_length=64)
    x1: float
    y1: float
    x2: float
    y2: float


class BoxPublic(BaseModel):
    label: str
    x1: float = Field(description="relative to the frame width, 0..1")
    y1: float = Field(description="relative to the frame height, 0..1")
    x2: float
    y2: float


class LabelImageCreate(_In):
    """Either an alert (its snapshot frame and boxes) or a camera and task (the camera's latest picture)."""

    alert_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    camera_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    task: Task | None = None

    @model_validator(mode="after")
    def _one_source(self) -> LabelImageCreate:
        if (self.alert_id is None) == (self.camera_id is None):
            raise ValueError("give either alert_id, or camera_id and task")
        if self.camera_id is not None and self.task is None:
            raise ValueError("a camera's picture needs a task")
        if self.alert_id is not None and self.task is not None:
            raise ValueError("an alert's task follows from its code: leave task out")
        return self


class LabelImagePublic(BaseModel):
    id: int
    task: Task
    source: ImageSourceName
    alert_id: int | None
    site_id: int
    site_name: str
    camera_id: int | None
    camera_name: str | None
    captured_at: datetime
    width: int
    height: int
    status: ImageStatusName
    reviewed_by_name: str | None
    reviewed_at: datetime | None
    boxes: list[BoxPublic]
    dropped_labels: list[str] = Field(description="alert box labels outside the task's vocabulary, left out")
    licence: str
    attribution: str
    image_url: str = Field(description="the JPEG, for a signed-in regulator or admin")
    history_count: int


class BoxesUpdate(_In):
    boxes: list[BoxIn] = Field(max_length=500)
    note: Annotated[str | None, AfterValidator(_storable)] = Field(default=None, max_length=2000)


class FalsePositiveIn(_In):
    note: Annotated[str | None, AfterValidator(_storable)] = Field(default=None, max_length=2000)


class ReviewPublic(BaseModel):
    id: int
    at: datetime
    user_name: str
    previous_status: ImageStatusName
    status: ImageStatusName
    previous_boxes: list[BoxPublic]
    boxes: list[BoxPublic]
    note: str


class DatasetCreate(_In):
    name: Annotated[str, AfterValidator(_storable)] = Field(min_length=1, max_length=128)
    task: Task
    seed: int = Field(default=0, ge=0, le=INT4)
    fractions: list[float] = Field(
        default=[0.7, 0.15, 0.15], min_length=3, max_length=3, description="train, val, test shares"
    )

    @model_validator(mode="after")
    def _shares(self) -> DatasetCreate:
        self.name = self.name.strip()
        if not self.name:
            raise ValueError("name must not be blank")
        if any(not 0 <= f <= 1 for f in self.fractions) or sum(self.fractions) <= 0:
            raise ValueError("fractions are three shares between 0 and 1, not all 0")
        return self


class SplitCounts(BaseModel):
    train: int
    val: int
    test: int


class SourcePublic(BaseModel):
    source: str
    licence: str
    attribution: str
    images: int


class DatasetPublic(BaseModel):
    id: int
    name: str
    version: int
    task: Task
    created_at: datetime
    created_by_name: str
    seed: int
    images: int
    boxes: int
    splits: SplitCounts = Field(description="images per split")
    labels: dict[str, int] = Field(description="boxes per label")
    sources: list[SourcePublic]


class ExportPublic(BaseModel):
    id: int
    user_name: str
    format: ExportFormat
    at: datetime
    images: int
