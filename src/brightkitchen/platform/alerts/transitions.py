"""The alert lifecycle of DESIGN section 3 as one table and one function that applies it.

Scope (which site's alerts a person may touch) is checked before, by loading the alert through
``site_scope``: out of scope is 404. Here: may this role do this action from this state?
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from brightkitchen.platform.alerts import rollups
from brightkitchen.platform.alerts.models import Alert, AlertAudit, AlertState
from brightkitchen.platform.authz import Principal
from brightkitchen.protocol.codes import ViolationCode

S = AlertState
SYSTEM = "system"
# DESIGN section 4: kitchen staff (school_staff) read alerts; the school admin rectifies.
SCHOOL = frozenset({"school_admin"})
REGION = frozenset({"admin", "regulator"})


class Action(StrEnum):
    notify = "notify"
    start = "start"
    submit = "submit"
    approve = "approve"
    reject = "reject"
    false_positive = "false_positive"
    clear = "clear"  # the platform closes a camera_fault alert when the device or camera recovers


# Conditions the platform watches itself: it closes their alert when the condition recovers.
CLEARED_BY_PLATFORM = frozenset(
    {ViolationCode.camera_fault, ViolationCode.cold_chain_temperature, ViolationCode.gas_leak}
)


@dataclass(frozen=True)
class Rule:
    sources: frozenset[AlertState]
    target: AlertState
    actors: frozenset[str]
    needs_reason: bool = False


TABLE: dict[Action, Rule] = {
    Action.notify: Rule(frozenset({S.new}), S.pushed, frozenset({SYSTEM})),
    Action.start: Rule(frozenset({S.pushed}), S.rectifying, SCHOOL),
    Action.submit: Rule(frozenset({S.rectifying}), S.submitted, SCHOOL),
    Action.approve: Rule(frozenset({S.submitted}), S.closed, REGION),
    Action.reject: Rule(frozenset({S.submitted}), S.rectifying, REGION, needs_reason=True),
    Action.false_positive: Rule(frozenset({S.new, S.pushed, S.rectifying}), S.false_positive, SCHOOL | REGION, True),
    Action.clear: Rule(frozenset({S.new, S.pushed, S.rectifying, S.submitted}), S.closed, frozenset({SYSTEM})),
}


@dataclass(frozen=True)
class Actor:
    kind: str  # user, device, system
    id: int | None
    role: str  # a user's role, "device" or "system"

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        if principal.is_device:
            return cls("device", principal.id, "device")
        return cls("user", principal.id, str(principal.role))

    @classmethod
    def system(cls) -> Actor:
        return cls(SYSTEM, None, SYSTEM)


class TransitionError(Exception):
    status = 409

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotAllowed(TransitionError):
    status = 403


class WrongState(TransitionError):
    status = 409


class ReasonRequired(TransitionError):
    status = 422


def allowed(action: Action, state: str, role: str) -> bool:
    rule = TABLE[action]
    return state in rule.sources and role in rule.actors


def allowed_actions(state: str, role: str) -> list[str]:
    return [a.value for a in Action if allowed(a, state, role)]


def _side_effects(action: Action, target: AlertState, now: datetime, reason: str) -> dict[str, Any]:
    values: dict[str, Any] = {"state": target}
    if action is Action.notify:
        values["pushed_at"] = now
    elif action is Action.submit:
        values["submitted_at"] = now
    elif action is Action.false_positive:
        values["false_positive_reason"] = reason
    if target in (S.closed, S.false_positive):
        values["closed_at"] = now
        values["open_fault_key"] = None
    return values


def record(
    session: Session,
    alert_id: int,
    action: str,
    actor: Actor,
    from_state: str | None,
    to_state: str,
    reason: str,
    now: datetime,
) -> AlertAudit:
    row = AlertAudit(
        alert_id=alert_id, at=now, action=action, actor_kind=actor.kind, actor_id=actor.id,
        actor_role=actor.role, from_state=from_state, to_state=to_state, reason=reason,
    )  # fmt: skip
    session.add(row)
    return row


def apply(session: Session, alert: Alert, action: Action, actor: Actor, now: datetime, reason: str = "") -> AlertAudit:
    """The one way an alert changes state. The UPDATE is conditional on the state we checked,
    so two people (or two workers) acting at once cannot both succeed."""
    rule = TABLE[action]
    reason = reason.strip()
    if actor.role not in rule.actors:
        raise NotAllowed(f"a {actor.role} may not {action.value} an alert")
    if alert.state not in rule.sources:
        raise WrongState(f"cannot {action.value} an alert that is {alert.state}")
    if rule.needs_reason and not reason:
        raise ReasonRequired(f"{action.value} needs a reason")
    if action is Action.clear and alert.code not in CLEARED_BY_PLATFORM:
        raise NotAllowed("only fault and sensor-breach alerts are cleared by the platform")
    values = _side_effects(action, rule.target, now, reason)
    result = session.execute(
        update(Alert)
        .where(Alert.id == alert.id, Alert.state == alert.state)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 1) != 1:
        raise WrongState(f"the alert changed meanwhile; cannot {action.value} it")
    rollups.changed(session, alert, values)  # the daily counts move with the state, in this transaction
    from_state = alert.state
    for name, value in values.items():
        # Keep the loaded object in step without marking it dirty (no second UPDATE at flush).
        set_committed_value(alert, name, value)
    return record(session, alert.id, action.value, actor, from_state, rule.target, reason, now)
