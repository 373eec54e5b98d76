"""The full state x action x role matrix, over HTTP: what the table allows works, all else is refused."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertAudit, AlertState
from brightkitchen.platform.alerts.transitions import TABLE, Action
from tests import factories as f
from tests import support as s

ROLES = {"admin": "admin", "regulator": "reg_a", "school_admin": "sa_a1", "school_staff": "ss_a1"}
HTTP_ACTIONS = ["start", "submit", "approve", "reject", "false_positive"]


def act(client: TestClient, headers: dict[str, str], alert_id: int, action: str) -> Any:
    base = f"/api/v1/alerts/{alert_id}"
    if action == "start":
        return client.post(f"{base}/start", headers=headers)
    if action == "submit":
        photo = ("fixed.jpg", s.jpeg_bytes(), "image/jpeg")
        return client.post(f"{base}/rectify", headers=headers, files={"photo": photo, "note": (None, "已整改")})
    if action in ("approve", "reject"):
        return client.post(f"{base}/review", headers=headers, json={"decision": action, "reason": "见照片"})
    return client.post(f"{base}/false-positive", headers=headers, json={"reason": "是模特"})


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("action", HTTP_ACTIONS)
@pytest.mark.parametrize("state", [st.value for st in AlertState])
def test_transition_matrix(client: TestClient, session: Session, state: str, action: str, role: str) -> None:
    w = f.world(session)
    alert = f.alert(session, w.site_a1, w.cameras["A1"], state=state)
    headers = f.bearer(session, ROLES[role])
    rule = TABLE[Action(action)]
    resp = act(client, headers, alert.id, action)
    session.expire_all()
    after = session.get(Alert, alert.id)
    assert after is not None
    audit = session.scalars(select(AlertAudit).where(AlertAudit.alert_id == alert.id).order_by(AlertAudit.id)).all()
    if state in rule.sources and role in rule.actors:
        assert resp.status_code == 200, resp.text
        assert after.state == rule.target == resp.json()["state"]
        last = audit[-1]
        assert (last.action, last.from_state, last.to_state, last.actor_role) == (action, state, rule.target, role)
        assert last.actor_id == w.users[ROLES[role]].id
    else:
        expected = 403 if role not in rule.actors else 409
        assert resp.status_code == expected, resp.text
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert after.state == state
        assert len(audit) == 1  # only the creation row


@pytest.mark.parametrize("username", ["sa_a2", "reg_b", "sa_b1"])
@pytest.mark.parametrize("action", HTTP_ACTIONS)
def test_out_of_scope_is_404(client: TestClient, session: Session, username: str, action: str) -> None:
    w = f.world(session)
    state = {"start": "pushed", "submit": "rectifying", "approve": "submitted", "reject": "submitted"}.get(
        action, "new"
    )
    alert = f.alert(session, w.site_a1, w.cameras["A1"], state=state)
    headers = f.bearer(session, username)
    resp = act(client, headers, alert.id, action)
    assert resp.status_code == 404
    assert client.get(f"/api/v1/alerts/{alert.id}", headers=headers).status_code == 404
    missing = client.get("/api/v1/alerts/999999", headers=headers)
    assert missing.json()["detail"] == resp.json()["detail"]  # nothing tells "exists" from "not yours"


def test_system_only_actions_are_not_for_people() -> None:
    assert TABLE[Action.notify].actors == frozenset({"system"})
    assert TABLE[Action.clear].actors == frozenset({"system"})


def test_reasons_are_required(client: TestClient, session: Session) -> None:
    w = f.world(session)
    alert = f.alert(session, w.site_a1, w.cameras["A1"], state="submitted")
    headers = f.login(client, "reg_a")
    resp = client.post(f"/api/v1/alerts/{alert.id}/review", headers=headers, json={"decision": "reject", "reason": " "})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "reason"
    fp = client.post(f"/api/v1/alerts/{alert.id}/false-positive", headers=headers, json={"reason": ""})
    assert fp.status_code == 422
