"""Outbound targets cannot reach the platform's own network: loopback, private, link-local, metadata and
odd spellings of them are refused when a channel is saved (create and PATCH) and again right before each
send; what a receiver answers never shows in ``last_error``; school admins add no outbound URL by default."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.jobs.runner import run_due_jobs
from brightkitchen.platform.notify.models import Notification
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests.platform.notify.receivers import http_receiver, raw_tcp_peer
from tests.support import free_port

BLOCKED = [
    "https://127.0.0.1/hook",
    "https://[::1]/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://0x7f000001/hook",
    "https://2130706433/hook",
    "https://0177.0.0.1/hook",
    "https://127.1:5432/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:a9fe:a9fe]/hook",
    "https://10.1.2.3/hook",
    "https://192.168.0.1/hook",
    "https://100.64.0.1/hook",
    "https://0.0.0.0/hook",
    "https://224.0.0.1/hook",
    "https://[fe80::1]/hook",
    "https://[fd00::1]/hook",
    "https://localhost:8000/hook",
    "https://api.localhost/hook",
]


@pytest.fixture
def strict(settings: Settings) -> Iterator[PlatformContext]:
    """The shipped defaults: https only, no allow-listed network."""
    context = PlatformContext.build(
        settings.model_copy(update={"notify_allow_http": False, "notify_allow_networks": []})
    )
    yield context
    context.engine.dispose()


@pytest.fixture
def strict_client(strict: PlatformContext) -> Iterator[TestClient]:
    with TestClient(create_app(ctx=strict)) as c:
        yield c


def _body(w: f.World, target: str, kind: str = "webhook") -> dict[str, Any]:
    return {"kind": kind, "target": target, "region_id": w.district_a.id}


def _last(session: Session) -> Notification:
    session.expire_all()
    return session.scalars(select(Notification).order_by(Notification.id.desc())).first()  # type: ignore[return-value]


@pytest.mark.parametrize("target", BLOCKED)
def test_create_refuses_internal_targets(strict_client: TestClient, session: Session, target: str) -> None:
    w = f.world(session)
    for kind in ("webhook", "wecom", "dingtalk"):
        resp = strict_client.post(
            "/api/v1/notify-channels", headers=f.bearer(session, "reg_a"), json=_body(w, target, kind)
        )
        assert resp.status_code == 422, (kind, resp.text)
        assert resp.json()["errors"][0]["field"] == "target"


def test_patch_checks_scheme_and_address(strict_client: TestClient, session: Session) -> None:
    w = f.world(session)
    reg = f.bearer(session, "reg_a")
    made = strict_client.post("/api/v1/notify-channels", headers=reg, json=_body(w, "https://8.8.8.8/hook"))
    assert made.status_code == 201, made.text
    url = f"/api/v1/notify-channels/{made.json()['id']}"
    for target in ("file:///etc/passwd", "gopher://8.8.8.8/x", "http://8.8.8.8/hook", "https:///nohost", *BLOCKED[:6]):
        resp = strict_client.patch(url, headers=reg, json={"target": target})
        assert resp.status_code == 422, (target, resp.text)
        assert resp.json()["errors"][0]["field"] == "target"
    listed = strict_client.get("/api/v1/notify-channels", headers=reg).json()["items"]
    assert listed[0]["target"] == "https://8.8.8.8/hook"
    assert strict_client.patch(url, headers=reg, json={"target": "https://1.1.1.1/h"}).status_code == 200


def test_allow_list_admits_an_intranet_receiver(client: TestClient, session: Session) -> None:
    # The suite's settings allow http and 127.0.0.0/8, as an operator would allow 10.2.0.0/16.
    w = f.world(session)
    resp = client.post(
        "/api/v1/notify-channels", headers=f.bearer(session, "reg_a"), json=_body(w, "http://127.0.0.1:9/h")
    )
    assert resp.status_code == 201, resp.text
    other = client.post(
        "/api/v1/notify-channels", headers=f.bearer(session, "reg_a"), json=_body(w, "http://10.0.0.1/h")
    )
    assert other.status_code == 422


def test_school_admin_cannot_add_outbound_channels(client: TestClient, ctx: PlatformContext, session: Session) -> None:
    w = f.world(session)
    sa = f.bearer(session, "sa_a1")
    hook = {"kind": "webhook", "target": "https://8.8.8.8/hook", "site_id": w.site_a1.id}
    assert client.post("/api/v1/notify-channels", headers=sa, json=hook).status_code == 403
    mail = {"kind": "email", "target": "kitchen@example.cn", "site_id": w.site_a1.id}
    made = client.post("/api/v1/notify-channels", headers=sa, json=mail)
    assert made.status_code == 201, made.text
    # A regulator's robot on the school's site cannot be re-aimed by the school admin either.
    robot = f.channel(session, "wecom", "https://8.8.8.8/robot", site=w.site_a1)
    resp = client.patch(f"/api/v1/notify-channels/{robot.id}", headers=sa, json={"target": "https://1.1.1.1/x"})
    assert resp.status_code == 403
    assert client.patch(f"/api/v1/notify-channels/{robot.id}", headers=sa, json={"enabled": False}).status_code == 200
    # Where the operator allows it, they can.
    allowed = PlatformContext.build(ctx.settings.model_copy(update={"notify_school_admin_outbound": True}))
    with TestClient(create_app(ctx=allowed)) as c:
        assert c.post("/api/v1/notify-channels", headers=sa, json=hook).status_code == 201
    allowed.engine.dispose()


def test_send_time_check_refuses_a_blocked_address(strict: PlatformContext, session: Session) -> None:
    """A target stored before the check existed (or by the import) is still refused when it is sent."""
    w = f.world(session)
    with http_receiver() as peer:
        f.channel(session, "webhook", f"https://{peer.url.removeprefix('http://')}/h", site=w.site_a1)
        f.channel(session, "wecom", "https://0x7f000001:1/h", site=w.site_a1)
        f.alert(session, w.site_a1, w.cameras["A1"], state="new")
        report = run_due_jobs(strict, utcnow())
        assert peer.requests == []
    assert report.delivery.retrying == 2
    session.expire_all()
    errors = {n.last_error for n in session.scalars(select(Notification))}
    assert errors == {"blocked address"}


def test_dns_rebinding_is_checked_at_send(
    strict: PlatformContext, strict_client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name resolved to a public address when the channel was saved; at send time it resolves to loopback."""
    real = socket.getaddrinfo
    answers = {"hooks.example.cn": "8.8.8.8"}

    def rebinding(host: Any, port: Any, *args: Any, **kw: Any) -> Any:
        return real(answers.get(host, host), port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    w = f.world(session)
    with http_receiver() as peer:
        port = peer.url.rsplit(":", 1)[1]
        body = {"kind": "webhook", "target": f"https://hooks.example.cn:{port}/h", "site_id": w.site_a1.id}
        assert (
            strict_client.post("/api/v1/notify-channels", headers=f.bearer(session, "reg_a"), json=body).status_code
            == 201
        )
        answers["hooks.example.cn"] = "127.0.0.1"
        f.alert(session, w.site_a1, w.cameras["A1"], state="new")
        run_due_jobs(strict, utcnow())
        assert peer.requests == []
    assert _last(session).last_error == "blocked address"


def test_last_error_holds_no_reply_text(ctx: PlatformContext, session: Session) -> None:
    w = f.world(session)
    with (
        http_receiver(status=500, answer=b"FATAL: password authentication failed for user postgres") as down,
        http_receiver(answer=b'{"errcode": 310000, "errmsg": "secret internal detail"}') as robot,
        raw_tcp_peer(b"R\x00\x00\x00\x08\x00\x00\x00\x03SCRAM internal banner") as not_http,
    ):
        f.channel(session, "webhook", f"{down.url}/h", site=w.site_a1)
        f.channel(session, "dingtalk", f"{robot.url}/robot/send", site=w.site_a1)
        f.channel(session, "webhook", f"{not_http}/h", site=w.site_a1)
        f.channel(session, "webhook", f"http://127.0.0.1:{free_port()}/h", site=w.site_a1)
        f.alert(session, w.site_a1, w.cameras["A1"], state="new")
        report = run_due_jobs(ctx, utcnow())
    assert report.delivery.retrying == 4
    session.expire_all()
    errors = [n.last_error for n in session.scalars(select(Notification).order_by(Notification.channel_id))]
    assert errors == ["HTTP 500", "robot refused (errcode 310000)", "bad answer", "connection refused"]
