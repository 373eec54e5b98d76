"""Sensor registration, scoped like everything else: a school sees its own site, a regulator its region tree;
another tenant's sensor answers 404."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.pagination import PageParams, count_rows, one_page
from brightkitchen.platform.problems import Problem, conflict
from brightkitchen.platform.sensors.breach import end_breach
from brightkitchen.platform.sensors.kinds import DEFAULT_RULES, UNITS, SensorKind, topic
from brightkitchen.platform.sensors.models import Sensor
from brightkitchen.platform.sensors.schemas import Rule, SensorCreate, SensorPublic, SensorUpdate
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites import service as sites
from brightkitchen.platform.sites.models import KitchenArea, Site
from brightkitchen.platform.tenancy import get_visible as get_scoped
from brightkitchen.platform.tenancy import in_region, site_scope


def get_visible(session: Session, principal: Principal, sensor_id: int) -> Sensor:
    return get_scoped(session, principal, Sensor, sensor_id, "sensor")


def target_site(session: Session, principal: Principal, site_id: int | None) -> Site:
    """School users write their own site (site_id may be omitted); region roles name one in their scope."""
    if site_id is None:
        if principal.site_id is None:
            raise Problem(422, "Invalid request", "site_id is required", code="invalid",
                          errors=[{"field": "site_id", "message": "required", "type": "missing"}])  # fmt: skip
        site_id = principal.site_id
    return sites.get_visible(session, principal, site_id)


def list_sensors(
    session: Session, principal: Principal, params: PageParams, *, site_id: int | None, region_id: int | None,
    kind: SensorKind | None, breach: bool | None,
) -> tuple[list[tuple[Sensor, Site, str | None]], int]:  # fmt: skip
    stmt = (
        select(Sensor, Site, KitchenArea.name)
        .join(Site, Site.id == Sensor.site_id)
        .outerjoin(KitchenArea, KitchenArea.id == Sensor.area_id)
        .where(site_scope(principal))
    )
    if site_id is not None:
        stmt = stmt.where(Sensor.site_id == site_id)
    if region_id is not None:
        stmt = stmt.where(in_region(session, principal, region_id))
    if kind is not None:
        stmt = stmt.where(Sensor.kind == kind)
    if breach is not None:
        stmt = stmt.where(Sensor.breach.is_(breach))
    total = count_rows(session, stmt)
    rows = session.execute(one_page(stmt.order_by(Site.name, Sensor.key, Sensor.id), params)).all()
    return [(r[0], r[1], r[2]) for r in rows], total


def create(session: Session, principal: Principal, body: SensorCreate) -> Sensor:
    site = target_site(session, principal, body.site_id)
    sites.check_area(session, site, body.area_id)
    kind = SensorKind(body.kind)
    sensor = Sensor(
        site_id=site.id, key=body.key, name=body.name, kind=kind, area_id=body.area_id,
        unit=body.unit if body.unit is not None else UNITS[kind], enabled=body.enabled,
    )  # fmt: skip
    if "rule" in body.model_fields_set:
        set_rule(sensor, body.rule)
    else:
        default = DEFAULT_RULES[kind]
        set_rule(
            sensor, Rule(op=default.op, threshold=default.threshold, duration_s=default.duration_s) if default else None
        )
    return _saved(session, sensor)


def update(session: Session, settings: Settings, principal: Principal, sensor: Sensor, body: SensorUpdate,
           now: datetime) -> Sensor:  # fmt: skip
    changes = body.model_fields_set
    if "area_id" in changes:
        site = session.get(Site, sensor.site_id)
        assert site is not None
        sites.check_area(session, site, body.area_id)
        sensor.area_id = body.area_id
    for name in ("key", "name", "unit", "enabled"):
        value = getattr(body, name)
        if name in changes and value is not None:
            setattr(sensor, name, value)
    if "rule" in changes:
        set_rule(sensor, body.rule)
    if "rule" in changes or "enabled" in changes:
        # A new rule starts counting afresh; a breach the new rule (or disabling) no longer sees is over.
        sensor.violating_since = None
        if sensor.breach:
            end_breach(session, settings, sensor, now, "sensor rule changed")
    return _saved(session, sensor)


def remove(session: Session, settings: Settings, sensor: Sensor, now: datetime) -> None:
    if sensor.breach:
        end_breach(session, settings, sensor, now, "sensor removed")
    session.delete(sensor)


def set_rule(sensor: Sensor, rule: Rule | None) -> None:
    sensor.rule_op = rule.op if rule else None
    sensor.rule_threshold = rule.threshold if rule else None
    sensor.rule_duration_s = rule.duration_s if rule else None


def _saved(session: Session, sensor: Sensor) -> Sensor:
    taken = select(Sensor.id).where(Sensor.site_id == sensor.site_id, Sensor.key == sensor.key)
    if sensor.id is not None:
        taken = taken.where(Sensor.id != sensor.id)
    if session.scalar(taken) is not None:
        raise conflict(f"a sensor with key {sensor.key!r} already exists at this site")
    session.add(sensor)
    session.flush()  # a racing twin still fails here, on the unique key: 409 from the problem handlers
    return sensor


def public(session: Session, sensor: Sensor, site: Site | None = None, area: str | None = None) -> SensorPublic:
    site = site or session.get(Site, sensor.site_id)
    assert site is not None
    if area is None and sensor.area_id is not None:
        area = session.scalar(select(KitchenArea.name).where(KitchenArea.id == sensor.area_id))
    rule = None
    if sensor.rule_op is not None and sensor.rule_threshold is not None:
        rule = Rule.model_validate(
            {"op": sensor.rule_op, "threshold": sensor.rule_threshold, "duration_s": sensor.rule_duration_s or 0}
        )
    return SensorPublic(
        id=sensor.id, site_id=site.id, site_name=site.name, key=sensor.key, name=sensor.name,
        kind=SensorKind(sensor.kind), area_id=sensor.area_id, area=area, unit=sensor.unit, rule=rule,
        enabled=sensor.enabled, last_value=sensor.last_value, last_at=sensor.last_at, breach=sensor.breach,
        topic=topic(site.code, sensor.key),
    )  # fmt: skip
