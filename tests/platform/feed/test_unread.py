"""The bell: open alerts in the caller's scope born after the read mark, and marking them read."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories as f


def unread(client: TestClient, headers: dict[str, str]) -> dict:  # type: ignore[type-arg]
    resp = client.get("/api/v1/feed/unread", headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def test_counts_open_alerts_in_scope_and_lists_the_newest(client: TestClient, session: Session) -> None:
    w = f.world(session)
    old = f.alert(session, w.site_a1, state="pushed")
    f.alert(session, w.site_a1, state="closed")  # done: nothing to ring for
    f.alert(session, w.site_a1, state="new", test=True)  # an installer's test alert: the lists leave it out
    other = f.alert(session, w.site_b1, state="new")  # another district's school
    newest = f.alert(session, w.site_a1, state="submitted", code="smoking")

    school = unread(client, f.bearer(session, "sa_a1"))
    assert school["count"] == 2
    assert [i["id"] for i in school["items"]] == [newest.id, old.id]
    assert school["items"][0] | {"created_at": None} == {
        "id": newest.id, "site_id": w.site_a1.id, "site_name": w.site_a1.name, "code": "smoking",
        "state": "submitted", "created_at": None, "unread": True,
    }  # fmt: skip
    assert school["read_up_to"] == 0
    assert school["latest_alert_id"] == newest.id  # the newest the school may see, not the other district's
    assert school["cursor"] >= newest.id  # one audit row per alert here

    assert unread(client, f.bearer(session, "reg_b"))["count"] == 1
    assert [i["id"] for i in unread(client, f.bearer(session, "reg_b"))["items"]] == [other.id]
    assert unread(client, f.bearer(session, "admin"))["count"] == 3
    assert unread(client, f.bearer(session, "ss_a1"))["count"] == 2  # kitchen staff read alerts too


def test_mark_all_read_then_a_new_alert_counts_again(client: TestClient, session: Session) -> None:
    w = f.world(session)
    first = f.alert(session, w.site_a1, state="pushed")
    headers = f.bearer(session, "sa_a1")
    assert unread(client, headers)["count"] == 1

    resp = client.post("/api/v1/feed/read", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["count"] == 0
    assert resp.json()["read_up_to"] == first.id
    assert resp.json()["items"][0]["unread"] is False  # still listed (it is open), no longer unread

    second = f.alert(session, w.site_a1, state="new")
    after = unread(client, headers)
    assert (after["count"], [i["unread"] for i in after["items"]]) == (1, [True, False])
    assert after["items"][0]["id"] == second.id
    # The same person on another device shares the mark.
    assert unread(client, f.bearer(session, "sa_a1"))["count"] == 1
    # Another person of the same school has their own.
    assert unread(client, f.bearer(session, "ss_a1"))["count"] == 2


def test_read_up_to_an_id_never_goes_back_nor_past_the_newest(client: TestClient, session: Session) -> None:
    w = f.world(session)
    a, b, c = (f.alert(session, w.site_a1, state="pushed") for _ in range(3))
    headers = f.bearer(session, "sa_a1")

    assert client.post("/api/v1/feed/read", headers=headers, json={"up_to": b.id}).json()["count"] == 1
    assert client.post("/api/v1/feed/read", headers=headers, json={"up_to": a.id}).json()["read_up_to"] == b.id
    # An id from the future is held at the newest alert in scope: alerts born later still ring.
    assert client.post("/api/v1/feed/read", headers=headers, json={"up_to": c.id + 1000}).json()["read_up_to"] == c.id
    later = f.alert(session, w.site_a1, state="new")
    assert unread(client, headers)["count"] == 1
    assert unread(client, headers)["items"][0]["id"] == later.id


def test_bad_input_is_a_problem_and_changes_nothing(client: TestClient, session: Session) -> None:
    w = f.world(session)
    f.alert(session, w.site_a1, state="pushed")
    headers = f.bearer(session, "sa_a1")
    for body in ({"up_to": -1}, {"up_to": "soon"}, {"up_to": 2**40}, [1]):
        resp = client.post("/api/v1/feed/read", headers=headers, json=body)
        assert resp.status_code == 422, (body, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert resp.json()["errors"], resp.json()
    assert unread(client, headers)["count"] == 1


def test_people_only(client: TestClient, session: Session) -> None:
    w = f.world(session)
    for method, path in (("GET", "/api/v1/feed/unread"), ("POST", "/api/v1/feed/read")):
        resp = client.request(method, path)
        assert resp.status_code == 401
        assert resp.json()["code"] == "unauthorized"
        resp = client.request(method, path, headers={"Authorization": "Bearer bku_not-a-token"})
        assert resp.status_code == 401
        resp = client.request(method, path, headers={"Authorization": f"Bearer {w.device_keys['A1']}"})
        assert resp.status_code == 403
        assert resp.json()["code"] == "forbidden"
