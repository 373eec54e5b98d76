"""The bulletin as Markdown: what is stored, shown, and sent through the notification channels."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from brightkitchen.platform.bulletin.figures import BulletinFigures, SiteRef
from brightkitchen.protocol.codes import VIOLATION_NAMES_ZH, ViolationCode

STATUS_ZH = {"not_started": "未开始", "in_progress": "建设中", "accepted": "已验收", "regressed": "退化"}


def code_name(code: str) -> str:
    try:
        return VIOLATION_NAMES_ZH.get(ViolationCode(code), code)
    except ValueError:
        return code


def title(f: BulletinFigures) -> str:
    what = "每日通报（今日截至目前）" if f.kind == "on_demand" else "每日通报"
    return f"【明厨亮灶】{f.region_name} {what} {f.date.isoformat()}"


def period_label(f: BulletinFigures, timezone: str) -> str:
    """The period the alert figures cover, in local time, e.g. 2026-11-22 00:00 至 2026-11-23 00:00."""
    if f.period_start is None or f.period_end is None:
        return f"截至 {_local(f.as_of, timezone)}"
    return f"{_local(f.period_start, timezone)} 至 {_local(f.period_end, timezone)}"


def _local(at: datetime, timezone: str) -> str:
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _sites(refs: list[SiteRef]) -> str:
    return "、".join(f"{r.site_name}（{r.region_name}）" for r in refs) or "无"


def _by_code(by_code: dict[str, int]) -> str:
    items = sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0]))
    return "、".join(f"{code_name(c)} {n}" for c, n in items) or "无"


def _alerts(f: BulletinFigures, timezone: str) -> list[str]:
    a = f.alerts
    if a is None:
        return []
    t = a.totals
    lines = [
        f"## 预警与整改（{period_label(f, timezone)}）",
        "",
        f"新增预警 {t.new} 条（其中误报 {t.false_positive} 条），办结 {t.rectified} 条，"
        f"期末逾期未整改 {t.overdue} 条，上报监管 {t.escalated} 条；"
        f"未在线监测单位 {t.sites_offline} 家（共 {t.sites} 家）。",
        "",
        f"按类型：{_by_code(t.by_code)}",
        "",
        "| 区域 | 单位 | 新增预警 | 办结 | 逾期 | 上报 | 未在线监测 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in [*a.rows, t]:
        name = "合计" if r is t else r.region_name
        lines.append(
            f"| {name} | {r.sites} | {r.new} | {r.rectified} | {r.overdue} | {r.escalated} | {r.sites_offline} |"
        )
    lines += ["", "## 得分最低的单位"]
    if not a.worst:
        lines.append("无")
    for i, w in enumerate(a.worst, start=1):
        lines.append(
            f"{i}. {w.site_name}（{w.region_name}）{w.score:.1f} 分：有效预警 {w.alerts}，逾期 {w.overdue}，"
            f"上报 {w.escalated}，整改率 {_pct(w.rectification_rate)}"
        )
    lines += ["", "## 未在线监测的单位"]
    if not a.offline:
        lines.append("无")
    for o in a.offline:
        lines.append(f"- {o.site_name}（{o.region_name}）在线 {o.online_hours:.1f} / {o.expected_hours:.1f} 小时")
    return [*lines, ""]


def markdown(f: BulletinFigures, timezone: str) -> str:
    t = f.totals
    as_of = _local(f.as_of, timezone)
    lines = [f"# {title(f)}", "", f"统计时段：{period_label(f, timezone)}；生成于 {as_of}。", "", *_alerts(f, timezone)]
    if not f.rollout_under_way:
        lines.append(f"## 建设进度\n\n共 {t.total} 家，已全部验收。")
        return "\n".join(lines) + "\n"
    lines += [
        f"## 建设进度（截至 {as_of}）",
        "",
        f"共 {t.total} 家，已验收 {t.accepted} 家（覆盖率 {_pct(t.coverage)}），"
        f"建设中 {t.in_progress} 家，未开始 {t.not_started} 家，退化 {t.regressed} 家。",
        "",
        "| 区域 | 总数 | 已验收 | 建设中 | 未开始 | 退化 | 覆盖率 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in [*f.rows, t]:
        name = "合计" if r is t else r.region_name
        lines.append(
            f"| {name} | {r.total} | {r.accepted} | {r.in_progress} | {r.not_started} | {r.regressed} "
            f"| {_pct(r.coverage)} |"
        )
    lines += [
        "",
        "### 较昨日变化",
        f"- 新增验收：{_sites(f.newly_accepted)}",
        f"- 恢复验收：{_sites(f.recovered)}",
        f"- 新增退化：{_sites(f.newly_regressed)}",
        "",
        "### 滞留最久（未验收）",
    ]
    if not f.stuck:
        lines.append("无")
    for i, s in enumerate(f.stuck, start=1):
        lines.append(f"{i}. {s.site_name}（{s.region_name}）{STATUS_ZH.get(s.status, s.status)}，已 {s.days} 天")
    return "\n".join(lines) + "\n"
