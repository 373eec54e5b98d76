"""The acceptance checklist as pure functions of a site's facts and the time: items, then the status."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from brightkitchen.platform.rollout.facts import SiteFacts
from brightkitchen.platform.rollout.models import RolloutStatus
from brightkitchen.platform.settings import Settings


class ItemState(StrEnum):
    ok = "ok"
    failing = "failing"  # it was there (or the site was accepted) and is not now
    pending = "pending"  # not done yet


# code -> (kind, 中文, English); the order is the order an installer works through them.
ITEMS: dict[str, tuple[str, str, str]] = {
    "cameras_registered": ("automatic", "摄像头已登记（覆盖必需区域）", "Cameras registered for the required areas"),
    "cameras_online": ("automatic", "摄像头在线", "Cameras online"),
    "edge_heartbeat": ("automatic", "边缘服务器已安装并上报心跳", "Edge server installed and sending heartbeats"),
    "test_alert": ("automatic", "测试预警端到端已收到", "Test alert received end to end"),
    "school_login": ("automatic", "学校账号已登录", "School account has signed in"),
    "platform_connected": ("automatic", "5分钟内连通平台", "Platform reached recently"),
    "training": ("manual", "培训已完成", "Training done"),
    "site_acceptance": ("manual", "现场验收已签字", "On-site acceptance signed"),
}

AREA_NAMES = {
    "storage": "库房",
    "prep": "粗加工/切配区",
    "cooking": "烹饪区",
    "washing": "清洗消毒区",
    "serving": "备餐/分餐区",
    "other": "其他",
}


AREA_NAMES_EN = {
    "storage": "storage",
    "prep": "preparation",
    "cooking": "cooking",
    "washing": "washing and disinfection",
    "serving": "serving",
    "other": "other",
}


@dataclass(frozen=True)
class Words:
    """One sentence in both languages: the page shows the reader's, the CLI and the PDF the Chinese."""

    zh: str
    en: str


@dataclass(frozen=True)
class Item:
    code: str
    state: ItemState
    words: Words
    at: datetime | None = None

    @property
    def kind(self) -> str:
        return ITEMS[self.code][0]

    @property
    def evidence(self) -> str:
        return self.words.zh

    @property
    def evidence_en(self) -> str:
        return self.words.en


def evaluate(facts: SiteFacts, settings: Settings, now: datetime) -> list[Item]:
    tz = ZoneInfo(settings.timezone)
    items = [
        _cameras_registered(facts, settings),
        _cameras_online(facts, settings, now, tz),
        _edge(facts, settings, now, tz),
        _test_alert(facts, now, tz),
        _school_login(facts, tz),
        _connected(facts, settings, now, tz),
        _training(facts, tz),
        _acceptance(facts, tz),
    ]
    if facts.first_accepted_at is not None:
        # Once accepted, anything automatic that does not hold is a regression, not "not yet".
        items = [
            replace(i, state=ItemState.failing) if i.state is ItemState.pending and i.kind == "automatic" else i
            for i in items
        ]
    return items


def status_of(items: list[Item], accepted_before: bool) -> RolloutStatus:
    if all(i.state is ItemState.ok for i in items):
        return RolloutStatus.accepted
    if accepted_before:
        return RolloutStatus.regressed
    if any(i.state is ItemState.ok for i in items):
        return RolloutStatus.in_progress
    return RolloutStatus.not_started


def local(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def ago(at: datetime, now: datetime) -> Words:
    minutes = int((now - at).total_seconds() // 60)
    if minutes < 120:
        return Words(f"{minutes} 分钟前", f"{minutes} min ago")
    if minutes < 48 * 60:
        return Words(f"{minutes // 60} 小时前", f"{minutes // 60} h ago")
    return Words(f"{minutes // 1440} 天前", f"{minutes // 1440} days ago")


def _cameras_registered(f: SiteFacts, settings: Settings) -> Item:
    counts: dict[str, int] = {}
    for cam in f.cameras:
        if cam.area_kind:
            counts[cam.area_kind] = counts.get(cam.area_kind, 0) + 1
    required = settings.rollout_required_area_kinds
    have = Words(
        "，".join(f"{AREA_NAMES.get(k, k)} {counts.get(k, 0)} 路" for k in required),
        ", ".join(f"{AREA_NAMES_EN.get(k, k)} {counts.get(k, 0)}" for k in required),
    )
    missing = [k for k in required if not counts.get(k)]
    if missing:
        return Item(
            "cameras_registered",
            ItemState.pending,
            Words(
                f"缺少区域：{'、'.join(AREA_NAMES.get(k, k) for k in missing)}（{have.zh}）",
                f"Areas without a camera: {', '.join(AREA_NAMES_EN.get(k, k) for k in missing)} ({have.en})",
            ),
        )
    last = max((c.created_at for c in f.cameras if c.area_kind in required), default=None)
    n = len(f.cameras)
    return Item(
        "cameras_registered", ItemState.ok, Words(f"已登记 {n} 路（{have.zh}）", f"{n} registered ({have.en})"), last
    )


def _cameras_online(f: SiteFacts, settings: Settings, now: datetime, tz: ZoneInfo) -> Item:
    if not f.cameras:
        return Item("cameras_online", ItemState.pending, Words("未登记摄像头", "No camera registered"))
    cutoff = now - timedelta(seconds=settings.rollout_online_window_s)
    down = [c for c in f.cameras if not (c.status == "online" and c.last_seen_at and c.last_seen_at >= cutoff)]
    up, n = len(f.cameras) - len(down), len(f.cameras)
    if not down:
        oldest = min(c.last_seen_at for c in f.cameras if c.last_seen_at)
        return Item("cameras_online", ItemState.ok, Words(f"{up}/{n} 路在线", f"{up}/{n} online"), oldest)
    zh = "；".join(
        f"{c.key}（{c.status}，" + (f"最后上报 {local(c.last_seen_at, tz)}）" if c.last_seen_at else "从未上报）")
        for c in down[:5]
    )
    en = "; ".join(
        f"{c.key} ({c.status}, " + (f"last seen {local(c.last_seen_at, tz)})" if c.last_seen_at else "never seen)")
        for c in down[:5]
    )
    ever_seen = any(c.last_seen_at for c in down)
    state = ItemState.failing if ever_seen else ItemState.pending
    return Item("cameras_online", state, Words(f"{up}/{n} 路在线；未在线：{zh}", f"{up}/{n} online; not online: {en}"))


def _edge(f: SiteFacts, settings: Settings, now: datetime, tz: ZoneInfo) -> Item:
    if not f.devices:
        return Item("edge_heartbeat", ItemState.pending, Words("未登记边缘服务器", "No edge server registered"))
    last = f.last_heartbeat_at
    if last is None:
        return Item("edge_heartbeat", ItemState.pending, Words("已登记，尚未收到心跳", "Registered; no heartbeat yet"))
    when, since = local(last, tz), ago(last, now)
    text = Words(f"最近心跳 {when}（{since.zh}）", f"Last heartbeat {when} ({since.en})")
    if last < now - timedelta(hours=settings.rollout_edge_silent_after_h):
        return Item("edge_heartbeat", ItemState.failing, Words(f"已静默：{text.zh}", f"Silent: {text.en}"), last)
    return Item("edge_heartbeat", ItemState.ok, text, last)


def _connected(f: SiteFacts, settings: Settings, now: datetime, tz: ZoneInfo) -> Item:
    last = f.last_heartbeat_at
    if last is None:
        return Item(
            "platform_connected",
            ItemState.pending,
            Words("平台尚未收到该单位的连接", "The platform has not heard from this site yet"),
        )
    when, since = local(last, tz), ago(last, now)
    text = Words(f"最近连接 {when}（{since.zh}）", f"Last connection {when} ({since.en})")
    if last < now - timedelta(seconds=settings.rollout_online_window_s):
        return Item("platform_connected", ItemState.failing, text, last)
    return Item("platform_connected", ItemState.ok, text, last)


def _test_alert(f: SiteFacts, now: datetime, tz: ZoneInfo) -> Item:
    if f.test_answer is not None:
        alert_id, at = f.test_answer
        when = local(at, tz)
        return Item(
            "test_alert",
            ItemState.ok,
            Words(f"测试预警 #{alert_id} 已于 {when} 收到", f"Test alert #{alert_id} received at {when}"),
            at,
        )
    req = f.latest_request
    if req is None:
        return Item("test_alert", ItemState.pending, Words("尚未发起测试预警", "No test alert requested yet"))
    asked_at = local(req.requested_at, tz)
    if req.expires_at < now:
        return Item(
            "test_alert",
            ItemState.failing,
            Words(
                f"{asked_at} 发起；设备未在时限内回传测试事件",
                f"Requested {asked_at}; the device did not send the test event in time",
            ),
            req.requested_at,
        )
    if req.delivered_at:
        got = local(req.delivered_at, tz)
        picked = Words(f"设备已于 {got} 取得", f"the device picked it up at {got}")
    else:
        picked = Words("设备尚未取得", "the device has not picked it up yet")
    return Item(
        "test_alert",
        ItemState.pending,
        Words(f"{asked_at} 发起；{picked.zh}", f"Requested {asked_at}; {picked.en}"),
        req.requested_at,
    )


def _school_login(f: SiteFacts, tz: ZoneInfo) -> Item:
    if f.last_login is not None:
        username, at = f.last_login
        when = local(at, tz)
        return Item(
            "school_login", ItemState.ok, Words(f"{username} 于 {when} 登录", f"{username} signed in at {when}"), at
        )
    if not f.school_admins:
        return Item("school_login", ItemState.pending, Words("无学校管理员账号", "No school admin account"))
    return Item(
        "school_login", ItemState.pending, Words("学校管理员尚未登录", "The school admin has not signed in yet")
    )


def _training(f: SiteFacts, tz: ZoneInfo) -> Item:
    t = f.training
    if t is None:
        return Item("training", ItemState.pending, Words("未记录培训", "No training recorded"))
    when = local(t.trained_at, tz)
    who = Words(f"（对象：{t.attendees}）", f" (for: {t.attendees})") if t.attendees else Words("", "")
    note = Words(f"：{t.note}", f": {t.note}") if t.note else Words("", "")
    return Item(
        "training",
        ItemState.ok,
        Words(f"{t.trainer} 于 {when} 培训{who.zh}{note.zh}", f"Trained by {t.trainer} at {when}{who.en}{note.en}"),
        t.trained_at,
    )


def _acceptance(f: SiteFacts, tz: ZoneInfo) -> Item:
    a = f.acceptance
    if a is None:
        return Item("site_acceptance", ItemState.pending, Words("未签字", "Not signed"))
    when, photos = local(a.signed_at, tz), len(f.acceptance_photos)
    note = Words(f"：{a.note}", f": {a.note}") if a.note else Words("", "")
    return Item(
        "site_acceptance",
        ItemState.ok,
        Words(
            f"{a.inspector_name} 于 {when} 签字，照片 {photos} 张{note.zh}",
            f"Signed by {a.inspector_name} at {when}, {photos} photo(s){note.en}",
        ),
        a.signed_at,
    )
