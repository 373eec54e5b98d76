"""The bulletin as Markdown: what is stored, shown, and sent through the notification channels."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from brightkitchen.platform.bulletin.figures import BulletinFigures, SiteRef

STATUS_ZH = {"not_started": "未开始", "in_progress": "建设中", "accepted": "已验收", "regressed": "退化"}


def title(f: BulletinFigures) -> str:
    return f"【明厨亮灶】{f.region_name} 建设进度每日通报 {f.date.isoformat()}"


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _sites(refs: list[SiteRef]) -> str:
    return "、".join(f"{r.site_name}（{r.region_name}）" for r in refs) or "无"


def markdown(f: BulletinFigures, timezone: str) -> str:
    t = f.totals
    as_of = f.as_of.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
    lines = [
        f"# {title(f)}",
        "",
        f"截至 {as_of}：共 {t.total} 家，已验收 {t.accepted} 家（覆盖率 {_pct(t.coverage)}），"
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
        "## 较昨日变化",
        f"- 新增验收：{_sites(f.newly_accepted)}",
        f"- 恢复验收：{_sites(f.recovered)}",
        f"- 新增退化：{_sites(f.newly_regressed)}",
        "",
        "## 滞留最久（未验收）",
    ]
    if not f.stuck:
        lines.append("无")
    for i, s in enumerate(f.stuck, start=1):
        lines.append(f"{i}. {s.site_name}（{s.region_name}）{STATUS_ZH.get(s.status, s.status)}，已 {s.days} 天")
    return "\n".join(lines) + "\n"
