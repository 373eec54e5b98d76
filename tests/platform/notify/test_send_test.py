""" "发送测试": a real message to a real local receiver, now; failures come back as a reason the page can word."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default as email_policy
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.notify.models import NotifyChannel
from brightkitchen.platform.notify.webhook import verify
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests.platform.notify.receivers import http_receiver, smtp_server
from tests.support import free_port

SECRET = "sign-secret-never-shown"


def _test(client: TestClient, headers: dict[str, str], channel_id: int) -> dict[str, object]:
    resp = client.post(f"/api/v1/notify-channels/{channel_id}/test", headers=headers)
    assert resp.status_code == 200, resp.text
    body: dict[str, object] = resp.json()
    return body


def test_a_webhook_test_reaches_the_receiver_signed(client: TestClient, session: Session) -> None:
    w = f.world(session)
    reg = f.bearer(session, "reg_a")
    with http_receiver() as rx:
        made = client.post(
            "/api/v1/notify-channels",
            headers=reg,
            json={"kind": "webhook", "target": f"{rx.url}/hook", "secret": SECRET, "region_id": w.district_a.id},
        )
        assert made.status_code == 201, made.text
        result = _test(client, reg, made.json()["id"])
        assert result["ok"] is True and result["reason"] is None
        assert len(rx.requests) == 1
        got = rx.requests[0]
        assert got.path == "/hook"
        assert got.headers["X-BrightKitchen-Event"] == "test"
        assert verify(
            SECRET, got.headers["X-BrightKitchen-Timestamp"], got.body, got.headers["X-BrightKitchen-Signature"]
        )
        assert got.json()["event"] == "test" and got.json()["channel_id"] == made.json()["id"]


def test_robots_get_markdown_and_their_refusal_is_reported(client: TestClient, session: Session) -> None:
    w = f.world(session)
    reg = f.bearer(session, "reg_a")
    with http_receiver() as rx:
        wecom = f.channel(session, "wecom", f"{rx.url}/cgi-bin/webhook/send?key=robot-key", region=w.district_a)
        assert _test(client, reg, wecom.id)["ok"] is True
        sent = rx.requests[-1].json()
        assert sent["msgtype"] == "markdown" and "测试消息" in sent["markdown"]["content"]
        rx.answer = b'{"errcode": 93000, "errmsg": "invalid webhook url"}'
        refused = _test(client, reg, wecom.id)
        assert refused == {**refused, "ok": False, "reason": "robot_refused", "errcode": 93000}
        assert "invalid webhook url" not in json.dumps(refused)  # the receiver's own words are not passed on

        rx.answer = b'{"errcode": 0}'
        ding = f.channel(
            session, "dingtalk", f"{rx.url}/robot/send?access_token=tok", region=w.district_a, secret=SECRET
        )
        assert _test(client, reg, ding.id)["ok"] is True
        query = parse_qs(urlsplit(rx.requests[-1].path).query)
        assert query["access_token"] == ["tok"] and "sign" in query and "timestamp" in query


@pytest.mark.parametrize(("status", "reason"), [(500, "http_status"), (404, "http_status")])
def test_an_http_error_is_named_by_its_status(client: TestClient, session: Session, status: int, reason: str) -> None:
    w = f.world(session)
    with http_receiver(status=status) as rx:
        hook = f.channel(session, "webhook", f"{rx.url}/h", site=w.site_a1)
        result = _test(client, f.bearer(session, "sa_a1"), hook.id)
    assert result["ok"] is False and result["reason"] == reason and result["http_status"] == status


def test_a_receiver_that_is_down_is_refused(client: TestClient, session: Session) -> None:
    w = f.world(session)
    hook = f.channel(session, "webhook", f"http://127.0.0.1:{free_port()}/down", site=w.site_a1)
    result = _test(client, f.bearer(session, "reg_a"), hook.id)
    assert result["ok"] is False and result["reason"] == "refused"


@pytest.fixture
def strict_client(settings: Settings) -> Iterator[TestClient]:
    """The shipped defaults: https to public addresses only."""
    context = PlatformContext.build(
        settings.model_copy(update={"notify_allow_http": False, "notify_allow_networks": []})
    )
    with TestClient(create_app(ctx=context)) as c:
        yield c
    context.engine.dispose()


def test_the_guard_still_stands_before_a_test_send(strict_client: TestClient, session: Session) -> None:
    w = f.world(session)
    reg = f.bearer(session, "reg_a")
    with http_receiver() as rx:
        plain = f.channel(session, "webhook", f"{rx.url}/h", region=w.district_a)  # saved before the rules changed
        loop = f.channel(session, "webhook", "https://127.0.0.1:9/h", region=w.district_a)
        assert _test(strict_client, reg, plain.id)["reason"] == "bad_url"
        assert _test(strict_client, reg, loop.id)["reason"] == "blocked"
        assert rx.requests == []


def test_an_email_test_reaches_a_real_smtp_server(settings: Settings, session: Session) -> None:
    port = free_port()
    mail_ctx = PlatformContext.build(settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port}))
    try:
        with TestClient(create_app(ctx=mail_ctx)) as client, smtp_server(port) as inbox:
            w = f.world(session)
            mail = f.channel(session, "email", "canteen@example.org", site=w.site_a1, name="食堂邮箱")
            assert _test(client, f.bearer(session, "sa_a1"), mail.id)["ok"] is True
            assert len(inbox.messages) == 1
            _sender, rcpt, raw = inbox.messages[0]
            assert rcpt == ["canteen@example.org"]
            parsed = message_from_bytes(raw, policy=email_policy)
            assert "测试消息" in str(parsed["Subject"])
    finally:
        mail_ctx.engine.dispose()


def test_an_email_test_without_a_mail_server_says_so(client: TestClient, session: Session) -> None:
    w = f.world(session)
    mail = f.channel(session, "email", "canteen@example.org", site=w.site_a1)
    result = _test(client, f.bearer(session, "sa_a1"), mail.id)
    assert result["ok"] is False and result["reason"] == "no_smtp"


def test_only_the_channels_owners_may_test_it(client: TestClient, session: Session) -> None:
    w = f.world(session)
    with http_receiver() as rx:
        hook = f.channel(session, "webhook", f"{rx.url}/h", site=w.site_a1)
        assert (
            client.post(f"/api/v1/notify-channels/{hook.id}/test", headers=f.bearer(session, "sa_b1")).status_code
            == 404
        )
        assert (
            client.post(f"/api/v1/notify-channels/{hook.id}/test", headers=f.bearer(session, "reg_b")).status_code
            == 404
        )
        assert (
            client.post(f"/api/v1/notify-channels/{hook.id}/test", headers=f.bearer(session, "ss_a1")).status_code
            == 403
        )
        assert rx.requests == []


def test_secrets_and_robot_keys_never_leave_the_server(client: TestClient, session: Session) -> None:
    w = f.world(session)
    reg = f.bearer(session, "reg_a")
    target = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-key-693a91"
    made = client.post(
        "/api/v1/notify-channels",
        headers=reg,
        json={"kind": "dingtalk", "target": target, "secret": SECRET, "region_id": w.district_a.id, "name": "区群"},
    )
    assert made.status_code == 201, made.text
    channel_id = made.json()["id"]
    assert made.json()["target"] == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"
    assert made.json()["has_secret"] is True
    answers = [
        made,
        client.get("/api/v1/notify-channels", headers=reg),
        client.get("/api/v1/notify-channels", headers=reg, params={"kind": "dingtalk", "q": "区"}),
        client.patch(f"/api/v1/notify-channels/{channel_id}", headers=reg, json={"name": "区监管群"}),
    ]
    for resp in answers:
        assert resp.status_code == 200 or resp.status_code == 201, resp.text
        assert SECRET not in resp.text and "robot-key-693a91" not in resp.text
    # Renaming kept the real target and secret (only what is sent changes them).
    session.expire_all()
    row = session.get(NotifyChannel, channel_id)
    assert row is not None and row.target == target and row.secret == SECRET


def test_the_channel_list_pages_sorts_and_filters(client: TestClient, session: Session) -> None:
    w = f.world(session)
    f.channel(session, "wecom", "https://1.1.1.1/a", region=w.district_a, name="乙")
    f.channel(session, "email", "a@example.org", site=w.site_a1, name="甲", enabled=False)
    f.channel(session, "webhook", "https://1.1.1.1/b", site=w.site_b1, name="丙")
    admin = f.login(client, "admin")

    def names(**params: object) -> list[str]:
        resp = client.get("/api/v1/notify-channels", headers=admin, params=params)
        assert resp.status_code == 200, resp.text
        return [c["name"] for c in resp.json()["items"]]

    assert names(region_id=w.district_a.id, sort="name") == sorted(["乙", "甲"])
    assert names(enabled=False) == ["甲"]
    assert names(kind="webhook") == ["丙"]
    assert names(site_id=w.site_a1.id) == ["甲"]
    page = client.get("/api/v1/notify-channels", headers=admin, params={"size": 2, "sort": "-created_at"}).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert client.get("/api/v1/notify-channels", headers=admin, params={"sort": "secret"}).status_code == 422
