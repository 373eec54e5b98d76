"""What each sensor kind measures, its default unit and rule, and the alert code its breach raises."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from brightkitchen.protocol.codes import ViolationCode


class SensorKind(StrEnum):
    fridge = "fridge"
    freezer = "freezer"
    humidity = "humidity"
    gas = "gas"
    uv_lamp = "uv_lamp"
    disinfection_cabinet = "disinfection_cabinet"


class RuleOp(StrEnum):
    above = "above"
    below = "below"


@dataclass(frozen=True)
class DefaultRule:
    op: RuleOp
    threshold: float
    duration_s: int


# Power kinds report watts: on when the value is above zero (used to check disinfection records).
POWER_KINDS = frozenset({SensorKind.uv_lamp, SensorKind.disinfection_cabinet})

UNITS: dict[SensorKind, str] = {
    SensorKind.fridge: "°C",
    SensorKind.freezer: "°C",
    SensorKind.humidity: "%RH",
    SensorKind.gas: "%LEL",
    SensorKind.uv_lamp: "W",
    SensorKind.disinfection_cabinet: "W",
}

# Fridge 0-8 °C and freezer at or below -12 °C are the usual cold-chain limits; 20 %LEL is the common first
# gas alarm level. A humidity sensor starts without a rule: what is too damp depends on the store.
DEFAULT_RULES: dict[SensorKind, DefaultRule | None] = {
    SensorKind.fridge: DefaultRule(RuleOp.above, 8.0, 1800),
    SensorKind.freezer: DefaultRule(RuleOp.above, -12.0, 1800),
    SensorKind.humidity: None,
    SensorKind.gas: DefaultRule(RuleOp.above, 20.0, 10),
    SensorKind.uv_lamp: None,
    SensorKind.disinfection_cabinet: None,
}

ALERT_CODES: dict[SensorKind, ViolationCode] = {
    SensorKind.fridge: ViolationCode.cold_chain_temperature,
    SensorKind.freezer: ViolationCode.cold_chain_temperature,
    SensorKind.humidity: ViolationCode.cold_chain_temperature,
    SensorKind.gas: ViolationCode.gas_leak,
}


def topic(site_code: str, key: str) -> str:
    return f"brightkitchen/{site_code}/sensors/{key}"
