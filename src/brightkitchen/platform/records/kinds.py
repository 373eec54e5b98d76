"""What each kind of record holds (extra fields refused), and the one check that turns bad data into a 422
naming the field (``data.dishes.0.weight_g``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from brightkitchen.platform.problems import Problem
from brightkitchen.platform.records.models import Meal, RecordKind

SAMPLE_MIN_G = 125.0  # 留样: at least 125 g of each dish
SAMPLE_KEEP = timedelta(hours=48)  # kept at least 48 hours
Text = Field(min_length=1, max_length=200)
Note = Field(default=None, max_length=500)


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _local_time(cls, value: Any, info: ValidationInfo) -> Any:
        # A time typed without an offset (a datetime-local field) is the district's local time.
        if isinstance(value, datetime) and value.tzinfo is None:
            tz = (info.context or {}).get("tz")
            return value.replace(tzinfo=tz if isinstance(tz, ZoneInfo) else ZoneInfo("Asia/Shanghai"))
        return value


class MorningEntry(_Data):
    staff_id: int = Field(ge=1)
    temperature_c: float = Field(ge=34, le=43)
    hands_ok: bool
    wounds: bool
    symptoms: list[str] = Field(default_factory=list, max_length=20)
    passed: bool
    note: str | None = Note


class MorningCheck(_Data):
    entries: list[MorningEntry] = Field(min_length=1, max_length=500)
    checked_by: str = Text


class Dish(_Data):
    name: str = Text
    weight_g: float = Field(ge=SAMPLE_MIN_G, le=100_000)


class SampleRetention(_Data):
    dishes: list[Dish] = Field(min_length=1, max_length=100)
    stored_at: datetime
    storage_place: str = Text
    keep_until: datetime | None = None
    kept_by: str = Text

    @model_validator(mode="after")
    def _keep_48h(self) -> SampleRetention:
        if self.keep_until is None:
            self.keep_until = self.stored_at + SAMPLE_KEEP
        elif self.keep_until < self.stored_at + SAMPLE_KEEP:
            raise ValueError("keep_until: must be at least 48 hours after stored_at")
        return self


class Disinfection(_Data):
    method: Literal["steam", "boiling", "cabinet", "chemical", "other"]
    started_at: datetime
    ended_at: datetime
    temperature_c: float | None = Field(default=None, ge=-50, le=500)
    concentration_mg_l: float | None = Field(default=None, ge=0, le=100_000)
    operator: str = Text
    sensor_id: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _order(self) -> Disinfection:
        if self.ended_at <= self.started_at:
            raise ValueError("ended_at: must be after started_at")
        return self


class AccompaniedMeal(_Data):
    person: str = Text
    position: str = Text
    remarks: str | None = Note


class Goods(_Data):
    name: str = Text
    quantity: float = Field(gt=0, le=10_000_000)
    unit: str = Field(min_length=1, max_length=16)


class IncomingGoods(_Data):
    supplier: str = Text
    goods: list[Goods] = Field(min_length=1, max_length=200)
    licence_no: str = Field(min_length=1, max_length=64)
    licence_expires_on: date
    invoice_photo_ids: list[int] = Field(default_factory=list, max_length=12)
    licence_photo_ids: list[int] = Field(default_factory=list, max_length=12)
    operator: str = Text


class PesticideTest(_Data):
    sample: str = Text
    method: str = Text
    result: Literal["pass", "fail"]
    value: float | None = None
    operator: str = Text


SCHEMAS: dict[RecordKind, type[_Data]] = {
    RecordKind.morning_check: MorningCheck,
    RecordKind.sample_retention: SampleRetention,
    RecordKind.disinfection: Disinfection,
    RecordKind.accompanied_meal: AccompaniedMeal,
    RecordKind.incoming_goods: IncomingGoods,
    RecordKind.pesticide_test: PesticideTest,
}
MEAL_REQUIRED = frozenset({RecordKind.sample_retention, RecordKind.accompanied_meal})
NO_MEAL = frozenset({RecordKind.morning_check})


def invalid(field: str, message: str) -> Problem:
    return Problem(422, "Invalid request", f"invalid value for '{field}': {message}",
                   errors=[{"field": field, "message": message}], code="invalid_record")  # fmt: skip


def _error_field(err: Any) -> tuple[str, str]:
    loc = [str(p) for p in err.get("loc", ())]
    message = str(err.get("msg", ""))
    # A cross-field check names its field in the message ("keep_until: ..."): report that field.
    if not loc and message.startswith("Value error, ") and ":" in message:
        name, _, rest = message.removeprefix("Value error, ").partition(":")
        return f"data.{name.strip()}", rest.strip()
    return ".".join(["data", *loc]), message


def parse_data(kind: RecordKind, data: Any, tz: ZoneInfo) -> BaseModel:
    try:
        return SCHEMAS[kind].model_validate(data, context={"tz": tz})
    except ValidationError as exc:
        errors = [dict(zip(("field", "message"), _error_field(e), strict=True)) for e in exc.errors()]
        raise Problem(422, "Invalid request", f"invalid value for '{errors[0]['field']}'", errors=errors,
                      code="invalid_record") from exc  # fmt: skip


def check_meal(kind: RecordKind, meal: Meal | None) -> None:
    if meal is None and kind in MEAL_REQUIRED:
        raise invalid("meal", "required for this kind of record")
    if meal is not None and kind in NO_MEAL:
        raise invalid("meal", "a morning check is for the day, not a meal")


def photo_refs(kind: RecordKind, data: BaseModel) -> list[int]:
    """Photo ids held inside the data (incoming goods' invoices and licences)."""
    if isinstance(data, IncomingGoods):
        return [*data.invoice_photo_ids, *data.licence_photo_ids]
    return []
