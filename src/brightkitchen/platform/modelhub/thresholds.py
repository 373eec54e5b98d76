"""Threshold advice per site and label from the false-positive rate of the last 30 days.

The alerts counted: the site's alerts (test alerts left out) created in the window whose ``model_name``
contains the card's name and whose code is the label's violation code; a false positive is an alert a person
marked ``false_positive``. fp_rate = false positives / alerts. The rule:
- at least 10 alerts and fp_rate > 0.3: raise the threshold by 0.05, to at most 0.95 (``high_fp_rate``);
- at least 20 alerts and fp_rate < 0.05: lower it by 0.05, to no less than 0.2 (``low_fp_rate``);
- already at that bound: keep it (``at_limit``); under 10 alerts: too little to judge (``too_few_alerts``);
- otherwise keep it (``keep``).
The current threshold is the site's assignment's, else the card's for the label, else the card's default."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertState
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.modelhub.effective import sites_running
from brightkitchen.platform.modelhub.models import ModelVersion
from brightkitchen.platform.modelhub.schemas import ThresholdAdvice

WINDOW = timedelta(days=30)
STEP = 0.05
RAISE_MIN_ALERTS, RAISE_ABOVE, CEILING = 10, 0.3, 0.95
LOWER_MIN_ALERTS, LOWER_BELOW, FLOOR = 20, 0.05, 0.2


@dataclass(frozen=True)
class Advice:
    suggested: float
    reason: str


def advise(current: float, alerts: int, false_positives: int) -> Advice:
    rate = false_positives / alerts if alerts else 0.0
    if alerts >= RAISE_MIN_ALERTS and rate > RAISE_ABOVE:
        raised = max(current, min(round(current + STEP, 4), CEILING))
        return Advice(raised, "high_fp_rate" if raised > current else "at_limit")
    if alerts >= LOWER_MIN_ALERTS and rate < LOWER_BELOW:
        lowered = min(current, max(round(current - STEP, 4), FLOOR))
        return Advice(lowered, "low_fp_rate" if lowered < current else "at_limit")
    return Advice(current, "too_few_alerts" if alerts < RAISE_MIN_ALERTS else "keep")


def _counts(
    session: Session, name: str, site_ids: list[int], codes: list[str], now: datetime
) -> dict[tuple[int, str], tuple[int, int]]:
    """(site, code) -> (alerts, false positives) in the window, in one grouped query."""
    if not site_ids or not codes:
        return {}
    false_positive = func.sum(case((Alert.state == AlertState.false_positive, 1), else_=0))
    rows = session.execute(
        select(Alert.site_id, Alert.code, func.count(), false_positive)
        .where(
            Alert.site_id.in_(site_ids),
            Alert.code.in_(codes),
            Alert.created_at >= now - WINDOW,
            Alert.test.is_(False),
            Alert.model_name.contains(name, autoescape=True),
        )
        .group_by(Alert.site_id, Alert.code)
    )
    return {(site_id, code): (int(total), int(fps or 0)) for site_id, code, total, fps in rows}


def threshold_advice(
    session: Session, principal: Principal, version: ModelVersion, now: datetime
) -> list[ThresholdAdvice]:
    card = version.card
    violations: dict[str, str] = card.get("violations", {})
    labels = [label for label in card.get("labels", []) if label in violations]  # only labels that raise alerts
    running = sites_running(session, principal, version)
    counts = _counts(session, version.name, [s.id for s, _ in running], sorted(set(violations.values())), now)
    advice: list[ThresholdAdvice] = []
    for site, eff in running:
        for label in labels:
            code = violations[label]
            alerts, fps = counts.get((site.id, code), (0, 0))
            current = float(
                eff.assignment.label_thresholds.get(
                    label, card.get("label_thresholds", {}).get(label, card.get("score_threshold", 0.4))
                )
            )
            rule = advise(current, alerts, fps)
            advice.append(
                ThresholdAdvice(
                    site_id=site.id,
                    site_name=site.name,
                    label=label,
                    code=code,
                    alerts=alerts,
                    false_positives=fps,
                    fp_rate=round(fps / alerts, 4) if alerts else 0.0,
                    current_threshold=current,
                    suggested_threshold=rule.suggested,
                    reason=rule.reason,
                )
            )
    return advice
