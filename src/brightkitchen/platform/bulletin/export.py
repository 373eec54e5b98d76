"""The bulletin as a file: a PDF in the report font (embedded) and an xlsx workbook, with a Chinese name."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer, Table, TableStyle

from brightkitchen.platform.bulletin.figures import BulletinFigures
from brightkitchen.platform.bulletin.render import STATUS_ZH, code_name, period_label, title
from brightkitchen.platform.reports import fonts
from brightkitchen.platform.reports.pdf import para, pct
from brightkitchen.platform.reports.text import plain
from brightkitchen.platform.settings import Settings

HEAD = colors.HexColor("#2F5597")


def filename(f: BulletinFigures, ext: str) -> tuple[str, str]:
    """(the Chinese name people see, the ASCII fallback)."""
    what = "每日通报-今日截至目前" if f.kind == "on_demand" else "每日通报"
    return f"{f.region_name}{what}-{f.date.isoformat()}.{ext}", f"bulletin-{f.region_id}-{f.date.isoformat()}.{ext}"


def _alert_rows(f: BulletinFigures) -> tuple[list[str], list[list[Any]]]:
    header = ["区域", "单位", "新增预警", "误报", "办结", "逾期", "上报", "未在线监测"]
    a = f.alerts
    if a is None:
        return header, []
    rows = [
        [("合计" if r is a.totals else r.region_name), r.sites, r.new, r.false_positive, r.rectified, r.overdue,
         r.escalated, r.sites_offline]
        for r in [*a.rows, a.totals]
    ]  # fmt: skip
    return header, rows


def _rollout_rows(f: BulletinFigures) -> tuple[list[str], list[list[Any]]]:
    header = ["区域", "总数", "已验收", "建设中", "未开始", "退化", "覆盖率"]
    rows = [
        [("合计" if r is f.totals else r.region_name), r.total, r.accepted, r.in_progress, r.not_started,
         r.regressed, pct(r.coverage)]
        for r in [*f.rows, f.totals]
    ]  # fmt: skip
    return header, rows


def to_pdf(f: BulletinFigures, settings: Settings) -> bytes:
    font = fonts.register(settings.report_font_path)
    h1 = ParagraphStyle("h1", fontName=font, fontSize=18, leading=24, alignment=1)
    sub = ParagraphStyle("sub", fontName=font, fontSize=10, leading=14, alignment=1, textColor=colors.grey)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=10, spaceAfter=6)
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14)

    def table(header: list[str], rows: list[list[Any]]) -> Table:
        t = Table([header, *[[plain(str(v)) for v in r] for r in rows]], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), font, 8.5),
                    ("BACKGROUND", (0, 0), (-1, 0), HEAD),
                    ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B4C0D8")),
                    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ]
            )
        )
        return t

    tz = settings.timezone
    story: list[Flowable] = [para(title(f), h1), para(f"统计时段：{period_label(f, tz)}", sub), Spacer(1, 4 * mm)]
    a = f.alerts
    if a is not None:
        t = a.totals
        by_code = "、".join(f"{code_name(c)} {n}" for c, n in sorted(t.by_code.items(), key=lambda kv: -kv[1]))
        story += [
            para("一、预警与整改", h2),
            para(
                f"新增预警 {t.new} 条（误报 {t.false_positive} 条），办结 {t.rectified} 条，逾期未整改 {t.overdue} 条，"
                f"上报监管 {t.escalated} 条，未在线监测单位 {t.sites_offline} 家。",
                body,
            ),
            para(f"按类型：{by_code or '无'}", body),
            Spacer(1, 2 * mm),
            table(*_alert_rows(f)),
            para("二、得分最低的单位", h2),
        ]
        worst = [[w.site_name, w.region_name, f"{w.score:.1f}", w.alerts, w.overdue, w.escalated,
                  pct(w.rectification_rate)] for w in a.worst]  # fmt: skip
        story.append(
            table(["单位", "区域", "得分", "有效预警", "逾期", "上报", "整改率"], worst) if worst else para("无", body)
        )
        story.append(para("三、未在线监测的单位", h2))
        offline = [[o.site_name, o.region_name, f"{o.online_hours:.1f}", f"{o.expected_hours:.1f}"] for o in a.offline]
        story.append(table(["单位", "区域", "在线小时", "应在线小时"], offline) if offline else para("无", body))
    if f.rollout_under_way:
        story += [para("四、建设进度", h2), table(*_rollout_rows(f))]
        stuck = [[s.site_name, s.region_name, STATUS_ZH.get(s.status, s.status), s.days] for s in f.stuck]
        if stuck:
            story += [Spacer(1, 3 * mm), table(["滞留单位", "区域", "状态", "天数"], stuck)]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
        title=plain(title(f)), author="BrightKitchen 明厨亮灶", initialFontName=font,
    )  # fmt: skip
    doc.build(story)
    return out.getvalue()


def to_xlsx(f: BulletinFigures, settings: Settings) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "预警与整改"
    ws.append([plain(title(f))])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["统计时段", period_label(f, settings.timezone)])
    ws.append([])
    header, rows = _alert_rows(f)
    ws.append(header)
    for r in rows:
        ws.append([plain(v) if isinstance(v, str) else v for v in r])
    if f.alerts is not None:
        by_code = wb.create_sheet("按类型")
        by_code.append(["违规类型", "代码", "新增预警"])
        for code, n in sorted(f.alerts.totals.by_code.items(), key=lambda kv: -kv[1]):
            by_code.append([code_name(code), code, n])
        worst = wb.create_sheet("得分最低")
        worst.append(["单位", "区域", "得分", "有效预警", "逾期", "上报", "整改率"])
        for w in f.alerts.worst:
            worst.append([plain(w.site_name), plain(w.region_name), w.score, w.alerts, w.overdue, w.escalated,
                          pct(w.rectification_rate)])  # fmt: skip
        offline = wb.create_sheet("未在线监测")
        offline.append(["单位", "区域", "在线小时", "应在线小时"])
        for o in f.alerts.offline:
            offline.append([plain(o.site_name), plain(o.region_name), o.online_hours, o.expected_hours])
    if f.rollout_under_way:
        progress = wb.create_sheet("建设进度")
        header, rows = _rollout_rows(f)
        progress.append(header)
        for r in rows:
            progress.append([plain(v) if isinstance(v, str) else v for v in r])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
