"""A concern's loop through the API: the receipt, masking per role, the steps and who may take them, the lookup by
receipt code and its limit, and scope."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.concerns import receipts
from brightkitchen.platform.concerns.models import Concern, ConcernStep
from brightkitchen.platform.public import service
from tests import factories as f

PHONE = "138 1234 5678"


@pytest.fixture
def w(session: Session) -> f.World:
    world = f.world(session)
    world.site_a1.public_page = True
    world.site_b1.public_page = True
    session.commit()
    return world


def _report(client: TestClient, site: str = "A1", **body: Any) -> dict[str, Any]:
    payload = {"name": "王女士", "phone": PHONE, "text": "看到厨师没戴口罩，我电话 13812345678"} | body
    resp = client.post(f"/api/v1/public/sites/{site}/concerns", json=payload)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def _id(session: Session) -> int:
    return session.scalars(select(Concern.id).order_by(Concern.id.desc())).first() or 0


def _step(client: TestClient, headers: dict[str, str], cid: int, action: str, **body: str) -> Any:
    return client.post(f"/api/v1/concerns/{cid}/{action}", json=body, headers=headers)


def test_the_complainant_gets_a_receipt_code_and_only_its_digest_is_kept(
    client: TestClient, session: Session, w: f.World
) -> None:
    receipt = _report(client)
    code = receipt["receipt_code"]
    assert len(code) == 10 and set(code) <= set(receipts.ALPHABET)
    stored = session.scalars(select(Concern)).one()
    assert stored.state == "received"
    assert stored.receipt_digest and code not in stored.receipt_digest
    step = session.scalars(select(ConcernStep)).one()
    assert (step.action, step.actor_kind, step.to_state) == ("receive", "public", "received")
    assert _report(client)["receipt_code"] != code


def test_the_school_sees_the_contact_masked_the_regulator_in_full(
    client: TestClient, session: Session, w: f.World
) -> None:
    _report(client)
    cid = _id(session)
    school = client.get("/api/v1/concerns", headers=f.bearer(session, "sa_a1"))
    assert school.status_code == 200, school.text
    item = school.json()["items"][0]
    assert (item["name"], item["phone"], item["contact_masked"]) == ("王**", "138****5678", True)
    assert item["text"] == "看到厨师没戴口罩，我电话 138****5678"
    # Not in the list, not in the detail: the full values never reach the school.
    detail = client.get(f"/api/v1/concerns/{cid}", headers=f.bearer(session, "sa_a1"))
    for resp in (school, detail):
        assert "12345678" not in resp.text and "1234 5678" not in resp.text and "王女士" not in resp.text
    for user in ("reg_a", "reg_city", "admin"):
        item = client.get("/api/v1/concerns", headers=f.bearer(session, user)).json()["items"][0]
        assert (item["name"], item["phone"], item["contact_masked"]) == ("王女士", PHONE, False), user
        assert "13812345678" in item["text"]


def test_the_loop_received_handling_replied_closed_with_each_step_recorded(
    client: TestClient, session: Session, w: f.World
) -> None:
    code = _report(client)["receipt_code"]
    cid = _id(session)
    school, regulator = f.bearer(session, "sa_a1"), f.bearer(session, "reg_a")

    handled = _step(client, school, cid, "handle", note="已安排后厨主管核实")
    assert handled.status_code == 200, handled.text
    assert handled.json()["state"] == "handling"
    replied = _step(client, school, cid, "reply", reply="已核实，当班厨师已整改并接受培训。")
    assert replied.status_code == 200, replied.text
    assert replied.json()["state"] == "replied" and replied.json()["replied_at"]
    closed = _step(client, regulator, cid, "close", note="答复属实")
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["state"] == "closed" and body["closed_at"]
    steps = [(s["action"], s["from_state"], s["to_state"], s["actor_kind"], s["actor_name"]) for s in body["steps"]]
    assert steps == [
        ("receive", None, "received", "public", None),
        ("handle", "received", "handling", "user", "sa_a1"),
        ("reply", "handling", "replied", "user", "sa_a1"),
        ("close", "replied", "closed", "user", "reg_a"),
    ]
    notes = ["", "已安排后厨主管核实", "已核实，当班厨师已整改并接受培训。", "答复属实"]
    assert [s["note"] for s in body["steps"]] == notes
    assert [s["actor_role"] for s in body["steps"]] == [None, "school_admin", "school_admin", "regulator"]

    # The complainant reads the state and the reply by the code, and nothing personal.
    looked = client.get(f"/api/v1/public/concerns/{code.lower()[:5]}-{code.lower()[5:]}")
    assert looked.status_code == 200, looked.text
    pub = looked.json()
    assert pub["state"] == "closed" and pub["reply"] == "已核实，当班厨师已整改并接受培训。"
    assert pub["site_name"] == w.site_a1.name
    assert [s["state"] for s in pub["steps"]] == ["received", "handling", "replied", "closed"]
    for private in ("王女士", "1234", "没戴口罩", "已安排后厨主管核实", "sa_a1", "reg_a"):
        assert private not in looked.text, private


@pytest.mark.parametrize(
    ("path", "user", "action", "body", "status", "code"),
    [
        (["handle"], "sa_a1", "handle", {}, 409, "concern_wrong_state"),  # twice
        ([], "sa_a1", "close", {}, 403, "concern_regulator_only"),
        ([], "reg_a", "close", {}, 409, "concern_wrong_state"),  # nothing replied yet
        (["reply"], "sa_a1", "close", {}, 403, "concern_regulator_only"),
        (["reply"], "sa_a1", "reopen", {"note": "重新处理"}, 403, "concern_regulator_only"),
        (["reply", "close"], "reg_a", "reply", {"reply": "再答一次"}, 409, "concern_wrong_state"),
        (["reply", "close"], "reg_a", "handle", {}, 409, "concern_wrong_state"),
        ([], "reg_a", "reopen", {"note": "x"}, 409, "concern_wrong_state"),
    ],
)
def test_wrong_steps_are_refused_with_a_code_and_change_nothing(
    client: TestClient,
    session: Session,
    w: f.World,
    path: list[str],
    user: str,
    action: str,
    body: dict[str, str],
    status: int,
    code: str,
) -> None:
    _report(client)
    cid = _id(session)
    for done in path:
        who = f.bearer(session, "reg_a" if done == "close" else "sa_a1")
        extra = {"reply": "已处理"} if done == "reply" else {}
        assert _step(client, who, cid, done, **extra).status_code == 200
    before = client.get(f"/api/v1/concerns/{cid}", headers=f.bearer(session, "reg_a")).json()
    refused = _step(client, f.bearer(session, user), cid, action, **body)
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == code
    assert client.get(f"/api/v1/concerns/{cid}", headers=f.bearer(session, "reg_a")).json() == before


def test_a_reply_must_say_something_and_a_reopen_why(client: TestClient, session: Session, w: f.World) -> None:
    _report(client)
    cid = _id(session)
    school, regulator = f.bearer(session, "sa_a1"), f.bearer(session, "reg_a")
    for body in ({}, {"reply": "   "}, {"reply": "x" * 2001}):
        resp = client.post(f"/api/v1/concerns/{cid}/reply", json=body, headers=school)
        assert resp.status_code == 422, body
        assert resp.json()["errors"][0]["field"] == "reply"
    assert _step(client, school, cid, "reply", reply="已处理").status_code == 200
    resp = client.post(f"/api/v1/concerns/{cid}/reopen", json={"note": ""}, headers=regulator)
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "note"
    assert session.scalar(select(Concern.state).where(Concern.id == cid)) == "replied"


def test_a_reopened_concern_withdraws_its_reply_until_the_next_one(
    client: TestClient, session: Session, w: f.World
) -> None:
    code = _report(client)["receipt_code"]
    cid = _id(session)
    school, regulator = f.bearer(session, "sa_a1"), f.bearer(session, "reg_a")
    assert _step(client, school, cid, "reply", reply="已处理").status_code == 200
    reopened = _step(client, regulator, cid, "reopen", note="答复过于简单，请说明整改措施")
    assert reopened.status_code == 200 and reopened.json()["state"] == "handling"
    pub = client.get(f"/api/v1/public/concerns/{code}").json()
    assert (pub["state"], pub["reply"], pub["replied_at"]) == ("handling", "", None)
    assert _step(client, school, cid, "reply", reply="已更换口罩供应并培训全体厨师").status_code == 200
    assert client.get(f"/api/v1/public/concerns/{code}").json()["reply"] == "已更换口罩供应并培训全体厨师"


def test_scope_another_sites_concern_is_404_and_staff_may_not_read_them(
    client: TestClient, session: Session, w: f.World
) -> None:
    _report(client, "B1")
    cid = _id(session)
    for user in ("sa_a1", "sa_a2", "reg_a"):
        headers = f.bearer(session, user)
        assert client.get(f"/api/v1/concerns/{cid}", headers=headers).status_code == 404, user
        refused = _step(client, headers, cid, "handle")
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
        assert client.get("/api/v1/concerns", headers=headers).json()["total"] == 0
    assert client.get(f"/api/v1/concerns/{cid}", headers=f.bearer(session, "sa_b1")).status_code == 200
    assert client.get(f"/api/v1/concerns/{cid + 1000}", headers=f.bearer(session, "admin")).status_code == 404
    assert client.get(f"/api/v1/concerns/{cid}", headers=f.bearer(session, "ss_a1")).status_code == 403
    assert client.get(f"/api/v1/concerns/{cid}").status_code == 401
    assert session.scalar(select(Concern.state).where(Concern.id == cid)) == "received"


def test_the_list_filters_by_state_site_and_date_and_sorts(client: TestClient, session: Session, w: f.World) -> None:
    for text in ("第一条", "第二条", "第三条"):
        _report(client, text=text)
    _report(client, "B1", text="另一所学校")
    ids = list(session.scalars(select(Concern.id).order_by(Concern.id)))
    regulator = f.bearer(session, "reg_city")
    assert _step(client, regulator, ids[1], "handle").status_code == 200

    def texts(**query: Any) -> list[str]:
        resp = client.get("/api/v1/concerns", params=query, headers=regulator)
        assert resp.status_code == 200, resp.text
        return [i["text"] for i in resp.json()["items"]]

    assert texts() == ["另一所学校", "第三条", "第二条", "第一条"]
    assert texts(sort="created_at") == ["第一条", "第二条", "第三条", "另一所学校"]
    assert texts(state="handling") == ["第二条"]
    assert texts(site_id=w.site_b1.id) == ["另一所学校"]
    assert texts(sort="-updated_at")[0] == "第二条"
    first = session.get(Concern, ids[0])
    assert first is not None
    assert texts(until=first.created_at.isoformat()) == []
    assert texts(since=first.created_at.isoformat(), size=2, page=2) == ["第二条", "第一条"]
    bad = client.get("/api/v1/concerns", params={"sort": "phone"}, headers=regulator)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "sort"
    assert client.get("/api/v1/concerns", params={"state": "done"}, headers=regulator).status_code == 422


def test_a_wrong_code_is_a_plain_404_and_lookups_are_limited(client: TestClient, session: Session, w: f.World) -> None:
    code = _report(client)["receipt_code"]
    missing = client.get("/api/v1/public/concerns/ABCDEFGHJK")
    malformed = client.get("/api/v1/public/concerns/not-a-code")
    assert missing.status_code == malformed.status_code == 404
    assert missing.json()["detail"] == malformed.json()["detail"] == "concern not found"
    # Wrong codes count toward the limit like right ones (2 spent above).
    for _ in range(service.LOOKUP_LIMIT - 3):
        assert client.get("/api/v1/public/concerns/ZZZZZZZZZZ").status_code == 404
    assert client.get(f"/api/v1/public/concerns/{code}").status_code == 200
    refused = client.get(f"/api/v1/public/concerns/{code}")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= service.LOOKUP_WINDOW.total_seconds() + 1
