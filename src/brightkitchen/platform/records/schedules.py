"""Each site's record schedule (meals, school days, holidays, deadlines) and what it expects on a given day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from brightkitchen.platform.records.models import Meal, RecordKind, RecordSchedule

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
EXPECTED_KINDS = (RecordKind.morning_check, RecordKind.sample_retention, RecordKind.disinfection)


class MealDeadlines(BaseModel):
    model_config = ConfigDict(extra="forbid")

    breakfast: str = Field(default="10:00", pattern=HHMM)
    lunch: str = Field(default="14:00", pattern=HHMM)
    dinner: str = Field(default="20:00", pattern=HHMM)


class Deadlines(BaseModel):
    model_config = ConfigDict(extra="forbid")

    morning_check: str = Field(default="09:00", pattern=HHMM)
    sample_retention: MealDeadlines = Field(default_factory=MealDeadlines)
    disinfection: MealDeadlines = Field(
        default_factory=lambda: MealDeadlines(breakfast="11:00", lunch="15:00", dinner="21:00")
    )


class Schedule(BaseModel):
    """The body of PUT and the answer of GET /records/schedules/{site_id}."""

    model_config = ConfigDict(extra="forbid")

    meals: list[Meal] = Field(default_factory=lambda: [Meal.breakfast, Meal.lunch], max_length=3)
    school_days: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5], max_length=7)
    holidays: list[date] = Field(default_factory=list, max_length=400)
    deadlines: Deadlines = Field(default_factory=Deadlines)

    @field_validator("meals")
    @classmethod
    def _meals(cls, value: list[Meal]) -> list[Meal]:
        return [m for m in Meal if m in value]  # canonical order, no repeats

    @field_validator("school_days")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if any(d < 1 or d > 7 for d in value):
            raise ValueError("ISO weekdays are 1 (Monday) to 7 (Sunday)")
        return sorted(set(value))

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: list[date]) -> list[date]:
        return sorted(set(value))


@dataclass(frozen=True)
class Slot:
    """One record a school day expects: its kind, meal (None for the morning check) and local deadline."""

    kind: RecordKind
    meal: Meal | None
    due_at: datetime


def of_row(row: RecordSchedule | None) -> Schedule:
    if row is None:
        return Schedule()
    return Schedule.model_validate(
        {"meals": row.meals, "school_days": row.school_days, "holidays": row.holidays, "deadlines": row.deadlines}
    )


def load(session: Session, site_id: int) -> Schedule:
    return of_row(session.get(RecordSchedule, site_id))


def save(session: Session, site_id: int, schedule: Schedule, user_id: int | None, now: datetime) -> Schedule:
    values: dict[str, Any] = schedule.model_dump(mode="json")
    row = session.get(RecordSchedule, site_id)
    if row is None:
        row = RecordSchedule(site_id=site_id, created_at=now, **values, updated_at=now, updated_by=user_id)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at, row.updated_by = now, user_id
    session.flush()
    return of_row(row)


def is_school_day(schedule: Schedule, day: date) -> bool:
    return day.isoweekday() in schedule.school_days and day not in schedule.holidays


def _at(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    hours, minutes = hhmm.split(":")
    return datetime.combine(day, time(int(hours), int(minutes)), tzinfo=tz)


def slots(schedule: Schedule, day: date, tz: ZoneInfo) -> list[Slot]:
    """What the day expects, in deadline order; nothing on a holiday or a day without school."""
    if not is_school_day(schedule, day):
        return []
    d = schedule.deadlines
    out = [Slot(RecordKind.morning_check, None, _at(day, d.morning_check, tz))]
    for meal in schedule.meals:
        out.append(Slot(RecordKind.sample_retention, meal, _at(day, getattr(d.sample_retention, meal.value), tz)))
        out.append(Slot(RecordKind.disinfection, meal, _at(day, getattr(d.disinfection, meal.value), tz)))
    return sorted(out, key=lambda s: s.due_at)
