"""/api/v1/sensors: registration (school admin of the site, regulator, admin), reading history for charts,
and power on-time for checking disinfection records."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from brightkitchen.platform.deps import NowDep, SessionDep, SettingsDep, SiteManagerDep, UserDep
from brightkitchen.platform.pagination import Page, PageParams, page_params
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.sensors import readings, service
from brightkitchen.platform.sensors.ingest import aware
from brightkitchen.platform.sensors.kinds import POWER_KINDS, SensorKind
from brightkitchen.platform.sensors.schemas import (
    ChartPoint,
    OnTime,
    Readings,
    SensorCreate,
    SensorPublic,
    SensorUpdate,
)

router = APIRouter(tags=["sensors"])
DEFAULT_SPAN = timedelta(hours=24)


def _invalid(field: str, message: str) -> Problem:
    return Problem(422, "Invalid request", f"invalid value for '{field}': {message}", code="invalid",
                   errors=[{"field": field, "message": message, "type": "value_error"}])  # fmt: skip


def _window(start: datetime | None, end: datetime | None, now: datetime, names: tuple[str, str]) -> tuple[
    datetime, datetime
]:  # fmt: skip
    until = aware(end) if end else now
    since = aware(start) if start else until - DEFAULT_SPAN
    if since >= until:
        raise _invalid(names[0], f"must be before {names[1]}")
    return since, until


@router.get("/sensors", response_model=Page[SensorPublic], summary="Sensors the caller may see")
def list_sensors(
    principal: UserDep,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    site_id: int | None = None,
    region_id: Annotated[int | None, Query(description="only sensors of sites in this region's subtree")] = None,
    kind: SensorKind | None = None,
    breach: Annotated[bool | None, Query(description="only sensors in (or out of) breach")] = None,
) -> Page[SensorPublic]:
    rows, total = service.list_sensors(
        session, principal, params, site_id=site_id, region_id=region_id, kind=kind, breach=breach
    )
    return Page.of([service.public(session, s, site, area) for s, site, area in rows], total, params)


@router.post("/sensors", response_model=SensorPublic, status_code=status.HTTP_201_CREATED)
def create_sensor(body: SensorCreate, principal: SiteManagerDep, session: SessionDep) -> SensorPublic:
    return service.public(session, service.create(session, principal, body))


@router.get("/sensors/{sensor_id}", response_model=SensorPublic)
def get_sensor(sensor_id: int, principal: UserDep, session: SessionDep) -> SensorPublic:
    return service.public(session, service.get_visible(session, principal, sensor_id))


@router.patch("/sensors/{sensor_id}", response_model=SensorPublic)
def update_sensor(
    sensor_id: int, body: SensorUpdate, principal: SiteManagerDep, session: SessionDep, settings: SettingsDep,
    now: NowDep,
) -> SensorPublic:  # fmt: skip
    sensor = service.get_visible(session, principal, sensor_id)
    return service.public(session, service.update(session, settings, principal, sensor, body, now))


@router.delete("/sensors/{sensor_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_sensor(
    sensor_id: int, principal: SiteManagerDep, session: SessionDep, settings: SettingsDep, now: NowDep
) -> None:
    service.remove(session, settings, service.get_visible(session, principal, sensor_id), now)


@router.get("/sensors/{sensor_id}/readings", response_model=Readings, summary="Readings in buckets, for charts")
def sensor_readings(
    sensor_id: int,
    principal: UserDep,
    session: SessionDep,
    now: NowDep,
    since: Annotated[datetime | None, Query(description="default: 24 h before until")] = None,
    until: Annotated[datetime | None, Query(description="default: now")] = None,
    bucket_s: Annotated[int | None, Query(ge=1, description="default: the span over about 1000 points")] = None,
) -> Readings:
    sensor = service.get_visible(session, principal, sensor_id)
    start, end = _window(since, until, now, ("since", "until"))
    size = bucket_s or readings.auto_bucket(start, end)
    if readings.too_many_points(start, end, size):
        raise _invalid("bucket_s", f"too small for this span (at most {readings.MAX_POINTS} points)")
    points = readings.buckets(session, sensor.id, start, end, size)
    return Readings(points=[ChartPoint(at=p.at, value=p.value, min=p.min, max=p.max) for p in points])


@router.get("/sensors/{sensor_id}/on-time", response_model=OnTime, summary="Seconds a power sensor was on")
def sensor_on_time(
    sensor_id: int,
    principal: UserDep,
    session: SessionDep,
    now: NowDep,
    start: Annotated[datetime | None, Query(description="default: 24 h before end")] = None,
    end: Annotated[datetime | None, Query(description="default: now")] = None,
) -> OnTime:
    sensor = service.get_visible(session, principal, sensor_id)
    if sensor.kind not in POWER_KINDS:
        raise Problem(422, "Invalid request", "on-time is measured for uv_lamp and disinfection_cabinet sensors",
                      code="not_power_sensor")  # fmt: skip
    lo, hi = _window(start, end, now, ("start", "end"))
    seconds, count = readings.on_time(session, sensor.id, lo, hi)
    return OnTime(seconds_on=round(seconds, 3), readings=count)
