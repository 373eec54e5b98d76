"""The change feed over a real HTTP server: scope, resume, state changes, limits and errors."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.feed import stream as feed_stream
from brightkitchen.platform.feed import views as feed_views
from brightkitchen.platform.feed.hub import MAX_STREAMS_PER_USER
from tests import factories as f
from tests import support
from tests.platform.feed.sse import open_stream


def cursor(base_url: str, headers: dict[str, str]) -> int:
    return int(httpx.get(f"{base_url}/api/v1/feed/unread", headers=headers).json()["cursor"])


def test_a_school_never_receives_another_sites_events(server: str, session: Session, world: f.World) -> None:
    school, district_b = f.bearer(session, "sa_a1"), f.bearer(session, "reg_b")
    with open_stream(server, school) as mine, open_stream(server, district_b) as theirs:
        other = f.alert(session, world.site_b1, state="new", code="smoking")
        own = f.alert(session, world.site_a1, state="new")

        # Events come in audit order: had the other school's been sent, it would come first.
        seen = mine.until(lambda e: e.event == "alert" and e.data["alert_id"] == own.id)
        assert [e.data["alert_id"] for e in seen] == [own.id]
        assert seen[0].data | {"at": None} == {
            "alert_id": own.id, "site_id": world.site_a1.id, "code": "no_mask", "state": "new",
            "action": "create", "at": None, "test": False,
        }  # fmt: skip
        assert seen[0].id is not None and seen[0].id > 0

        got = theirs.until(lambda e: e.event == "alert")
        assert [(e.data["alert_id"], e.data["site_id"]) for e in got] == [(other.id, world.site_b1.id)]


def test_resume_by_last_event_id_or_after(server: str, session: Session, world: f.World) -> None:
    headers = f.bearer(session, "sa_a1")
    start = cursor(server, headers)
    alerts = [f.alert(session, world.site_a1, state="new") for _ in range(3)]
    f.alert(session, world.site_b1, state="new")  # not the school's: never replayed to it

    with open_stream(server, headers, after=start) as s:
        replay = [s.next() for _ in range(3)]
    assert [e.data["alert_id"] for e in replay] == [a.id for a in alerts]
    ids = [e.id for e in replay]
    assert ids == sorted(ids)

    # What a browser sends when it reconnects: the last id it saw. The header wins over ?after=.
    with open_stream(server, {**headers, "Last-Event-ID": str(ids[0])}, after=start) as s:
        assert [s.next().data["alert_id"] for _ in range(2)] == [a.id for a in alerts[1:]]
        late = f.alert(session, world.site_a1, state="new")  # and then live, on the same stream
        assert s.next().data["alert_id"] == late.id


def test_state_changes_arrive_with_their_action(server: str, session: Session, world: f.World) -> None:
    school = f.bearer(session, "sa_a1")
    with open_stream(server, school) as s:
        # A real device upload, then the school starts rectifying through the API.
        doc = support.event("A1", "cam-a1")
        resp = httpx.post(
            f"{server}/api/v1/device/events",
            headers=support.device_headers(world.device_keys["A1"]),
            **support.parts(doc, support.jpeg_bytes(), support.mp4_bytes()),
        )
        assert resp.status_code == 201, resp.text
        alert_id = resp.json()["alert_id"]
        created = s.until(lambda e: e.event == "alert")[-1]
        assert (created.data["alert_id"], created.data["action"], created.data["state"]) == (alert_id, "create", "new")

        session.execute(Alert.__table__.update().where(Alert.id == alert_id).values(state="pushed"))
        session.commit()
        assert httpx.post(f"{server}/api/v1/alerts/{alert_id}/start", headers=school).status_code == 200
        started = s.until(lambda e: e.event == "alert")[-1]
        assert (started.data["action"], started.data["state"]) == ("start", "rectifying")
        assert started.id is not None and created.id is not None and started.id > created.id


def test_too_much_to_replay_is_a_reset(
    server: str, session: Session, world: f.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed_views, "BACKLOG_LIMIT", 2)
    headers = f.bearer(session, "sa_a1")
    start = cursor(server, headers)
    for _ in range(3):
        f.alert(session, world.site_a1, state="new")
    with open_stream(server, headers, after=start) as s:
        first = s.next()
    assert first.event == "reset"
    assert first.id == cursor(server, headers)  # the client carries on from here after reloading


def test_keep_alive_and_goodbye_when_the_token_is_revoked(
    server: str, session: Session, world: f.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed_stream, "KEEPALIVE_S", 0.2)
    monkeypatch.setattr(feed_stream, "RECHECK_S", 0.5)
    headers = f.login(httpx.Client(base_url=server), "sa_a1")
    with open_stream(server, headers, read_timeout_s=5) as s:
        time.sleep(0.7)
        assert httpx.post(f"{server}/api/v1/auth/logout", headers=headers).status_code in (200, 204)
        bye = s.until(lambda e: e.event == "bye", within_s=5)[-1]
        assert bye.data == {"reason": "unauthorized"}
        assert "keep-alive" in s.comments
        with pytest.raises(EOFError):
            s.next()  # the server ended the stream


def test_no_compression_no_buffering(server: str, session: Session, world: f.World) -> None:
    headers = {**f.bearer(session, "sa_a1"), "Accept-Encoding": "gzip"}
    with open_stream(server, headers) as s:
        assert s.response.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in s.response.headers
        assert s.response.headers["cache-control"] == "no-cache, no-transform"
        assert s.response.headers["x-accel-buffering"] == "no"
        alert = f.alert(session, world.site_a1, state="new")
        # One small event arrives on its own: nothing waits for a buffer to fill.
        assert s.until(lambda e: e.event == "alert", within_s=5)[-1].data["alert_id"] == alert.id


def test_open_streams_per_person_are_capped(server: str, session: Session, world: f.World) -> None:
    headers = f.bearer(session, "sa_a1")
    with httpx.Client(timeout=10) as client:
        streams = [
            client.stream("GET", f"{server}/api/v1/feed/stream", headers=headers) for _ in range(MAX_STREAMS_PER_USER)
        ]
        responses = [st.__enter__() for st in streams]
        try:
            assert [r.status_code for r in responses] == [200] * MAX_STREAMS_PER_USER
            extra = client.get(f"{server}/api/v1/feed/stream", headers=headers)
            assert extra.status_code == 429
            assert extra.json()["code"] == "too_many_streams"
            assert extra.headers["retry-after"] == "300"
            # Another person is not held back by it.
            other = client.stream("GET", f"{server}/api/v1/feed/stream", headers=f.bearer(session, "ss_a1"))
            with other as resp:
                assert resp.status_code == 200
        finally:
            for st in streams:
                st.__exit__(None, None, None)
    # Closed streams free their places (the server notices the hang-up within moments).
    deadline = time.monotonic() + 5
    while httpx.get(f"{server}/api/v1/feed/unread", headers=headers).status_code == 200:
        with (
            httpx.Client(timeout=10) as client,
            client.stream("GET", f"{server}/api/v1/feed/stream", headers=headers) as r,
        ):
            if r.status_code == 200:
                break
        assert time.monotonic() < deadline, "closed streams still count"
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("extra_headers", "params", "status", "code"),
    [
        ({}, {}, 401, "unauthorized"),
        ({"Authorization": "Bearer bku_not-a-token"}, {}, 401, "unauthorized"),
        ({"Last-Event-ID": "12abc"}, {}, 422, "invalid_last_event_id"),
        ({"Last-Event-ID": "-3"}, {}, 422, "invalid_last_event_id"),
        ({}, {"after": "-1"}, 422, None),
        ({}, {"after": "soon"}, 422, None),
    ],
)
def test_refusals_are_problems(
    server: str,
    session: Session,
    world: f.World,
    extra_headers: dict[str, str],
    params: dict[str, str],
    status: int,
    code: str | None,
) -> None:
    headers = {} if status == 401 else f.bearer(session, "sa_a1")
    resp = httpx.get(f"{server}/api/v1/feed/stream", headers={**headers, **extra_headers}, params=params, timeout=10)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json().get("code") == code


def test_devices_may_not_listen(server: str, session: Session, world: f.World) -> None:
    resp = httpx.get(f"{server}/api/v1/feed/stream", headers=support.device_headers(world.device_keys["A1"]))
    assert resp.status_code == 403
    assert resp.json()["code"] == "forbidden"


def test_an_open_stream_does_not_hold_the_server_at_shutdown(
    session: Session, ctx: PlatformContext, world: f.World
) -> None:
    headers = f.bearer(session, "sa_a1")
    with support.running_server(create_app(ctx=ctx)) as base_url:
        client = httpx.Client(timeout=httpx.Timeout(10.0, read=30.0))
        resp = client.send(client.build_request("GET", f"{base_url}/api/v1/feed/stream", headers=headers), stream=True)
        assert resp.status_code == 200
        began = time.monotonic()
    stopped = time.monotonic() - began
    resp.close()
    client.close()
    assert stopped < 5, f"the server took {stopped:.1f} s to stop with a stream open"
