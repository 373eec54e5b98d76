"""The report as a PDF: headline figures, charts, the ranking, per-site figures, the overdue list and the
online rates, in a CJK font (see fonts.py)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from brightkitchen.platform.reports import charts, fonts
from brightkitchen.platform.reports.data import ReportData
from brightkitchen.platform.reports.periods import NAMES_ZH, PeriodKind
from brightkitchen.platform.reports.records_section import CERT_STATES_ZH, KIND_NAMES_ZH
from brightkitchen.platform.reports.text import plain
from brightkitchen.platform.staff.service import EXPIRING_DAYS

OVERDUE_ROWS = 50
CERT_ROWS = 20
HEAD = colors.HexColor("#2F5597")
STRIPE = colors.HexColor("#EEF2F8")
RED_LIST = colors.HexColor("#FBE3E3")  # 黑榜: the lowest scores
GREEN_LIST = colors.HexColor("#E3F1DA")  # 红榜: the highest scores
ALIGN = {"L": "LEFT", "R": "RIGHT", "C": "CENTER"}
NOTE = (
    "说明：有效预警不含误报与测试预警；整改率 = 已办结 / 有效预警；及时率 = 期限内提交并已办结 / 已办结；"
    "逾期指统计截至时已过整改期限仍未提交；第六节在线率按平台记录的边缘服务器与摄像头故障时段计算；"
    "红黑榜的在线率 = 在线监测小时 ÷ 统计时段小时（按边缘服务器心跳且至少一路摄像头在线累计）；"
    "排名规则与得分公式与平台红黑榜页面一致，前三名为红榜（绿底），后三名为黑榜（红底，与前三名同分者除外）。"
)


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of plain text. Paragraph parses its text as markup (<img src>, <font>, <a href>), and names
    come from users: without escaping, a street named <img src="..."/> would embed any file the server can read."""
    return Paragraph(escape(plain(text)), style)


def cell(value: Any) -> str:
    # Table cells are drawn as plain strings (no markup), but control characters are still dropped.
    return "" if value is None else plain(str(value))


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


class _Styles:
    def __init__(self, font: str) -> None:
        self.font = font
        self.title = ParagraphStyle("title", fontName=font, fontSize=20, leading=26, alignment=1)
        self.period = ParagraphStyle("period", fontName=font, fontSize=12, leading=18, alignment=1, spaceBefore=2)
        self.sub = ParagraphStyle("sub", fontName=font, fontSize=9, leading=13, alignment=1, textColor=colors.grey)
        self.h2 = ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=10, spaceAfter=6)
        self.note = ParagraphStyle("note", fontName=font, fontSize=8, leading=12, textColor=colors.grey)

    def section(self, title: str) -> list[Flowable]:
        # Never leave a heading alone at the foot of a page.
        return [CondPageBreak(45 * mm), para(title, self.h2)]

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float], align: str) -> Table:
        """``align`` has one letter per column: L(eft) for text, R(ight) for figures, C(entre) for times."""
        body = [list(header), *[[cell(v) for v in r] for r in rows]]
        t = Table(body, colWidths=[w * mm for w in widths], repeatRows=1)
        style: list[tuple[Any, ...]] = [
            ("FONT", (0, 0), (-1, -1), self.font, 8.5),
            ("BACKGROUND", (0, 0), (-1, 0), HEAD),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("ALIGN", (0, 0), (-1, 0), "CENTER"),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B4C0D8")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
        style += [("ALIGN", (i, 1), (i, -1), ALIGN[a]) for i, a in enumerate(align)]
        style += [("BACKGROUND", (0, i), (-1, i), STRIPE) for i in range(2, len(body), 2)]
        t.setStyle(TableStyle(style))
        return t


def to_pdf(data: ReportData, font_path: Path | None = None) -> bytes:
    font = fonts.register(font_path)
    st = _Styles(font)
    tz = ZoneInfo(data.period.timezone)

    def local(at: datetime) -> str:
        return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    kind = NAMES_ZH[data.period.kind]
    story: list[Flowable] = [
        para(f"{data.region_name}明厨亮灶{kind}", st.title),
        para(data.period.label, st.period),
        para(f"统计截至 {local(data.as_of)}，生成于 {local(data.generated_at)}", st.sub),
        Spacer(1, 4 * mm),
        *st.section("一、总体情况"),
        _kpis(st, data),
        *st.section("二、预警分布"),
    ]
    valid_types = [(name, n - fp) for _, name, n, fp in data.by_type if n - fp > 0]
    if valid_types:
        story.append(charts.by_type_chart(valid_types, font))
    else:
        story.append(para("本期无有效预警。", st.note))
    if data.period.kind is not PeriodKind.daily:
        story += [Spacer(1, 4 * mm), charts.trend_chart(data.trend, font)]
    story += [*st.section("三、红黑榜（按得分）"), _ranking(st, data)]
    story += [*st.section("未在线监测"), *_unmonitored(st, data)]
    story += [*st.section("四、各单位整改情况"), _sites(st, data)]
    story += st.section(f"五、逾期未整改（共 {len(data.overdue)} 条）")
    if data.overdue:
        rows = [
            (o.alert_id, o.site_name, o.code_name, local(o.created_at), local(o.deadline_at), o.hours_overdue)
            for o in data.overdue[:OVERDUE_ROWS]
        ]
        header = ["预警编号", "单位", "违规类型", "发生时间", "整改期限", "逾期(小时)"]
        story.append(st.table(header, rows, [18, 50, 26, 30, 30, 20], "RLLCCR"))
        if len(data.overdue) > OVERDUE_ROWS:
            story.append(para(f"仅列出前 {OVERDUE_ROWS} 条，完整清单见 Excel 报表。", st.note))
    else:
        story.append(para("无。", st.note))
    online = [
        (
            s.name,
            s.online.devices,
            s.online.cameras,
            s.online.faults,
            pct(s.online.edge_rate),
            pct(s.online.camera_rate),
        )
        for s in data.sites
    ]
    header = ["单位", "边缘服务器", "摄像头", "故障次数", "边缘在线率", "摄像头在线率"]
    story += [*st.section("六、在线情况"), st.table(header, online, [60, 22, 20, 22, 25, 25], "LRRRRR")]
    story += [*st.section("七、台账与证照"), *_records(st, data)]
    story += [Spacer(1, 5 * mm), para(NOTE, st.note)]

    out = io.BytesIO()
    footer = plain(f"{data.region_name} {data.period.title}")

    def on_page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(18 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=18 * mm,
        title=footer, author="BrightKitchen 明厨亮灶",
        initialFontName=font,  # else Helvetica is listed on every page as a font not embedded, though unused
    )  # fmt: skip
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()


def _kpis(st: _Styles, data: ReportData) -> Table:
    t = data.totals
    hours = f"{t.mean_hours_to_close:.1f}" if t.mean_hours_to_close is not None else "—"
    cells = [
        ("单位数", str(len(data.sites))), ("已验收", str(data.accepted)), ("覆盖率", pct(data.coverage)),
        ("有效预警", str(t.alerts)), ("误报", str(t.false_positive)), ("已办结", str(t.closed)),
        ("整改率", pct(t.rectification_rate)), ("及时率", pct(t.on_time_rate)), ("平均整改(小时)", hours),
        ("逾期未整改", str(t.overdue)), ("边缘在线率", pct(data.edge_online_rate)),
        ("摄像头在线率", pct(data.camera_online_rate)),
    ]  # fmt: skip
    rows: list[list[str]] = []
    for i in range(0, len(cells), 4):
        chunk = cells[i : i + 4]
        rows += [[label for label, _ in chunk], [value for _, value in chunk]]
    table = Table(rows, colWidths=[43.5 * mm] * 4)
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), st.font, 9),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("BOX", (0, 0), (-1, -1), 0.5, HEAD),
        ("INNERGRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B4C0D8")),
    ]
    for r in range(0, len(rows), 2):
        style += [
            ("TEXTCOLOR", (0, r), (-1, r), colors.grey),
            ("BACKGROUND", (0, r), (-1, r), STRIPE),
            ("FONT", (0, r + 1), (-1, r + 1), st.font, 15),
            ("TOPPADDING", (0, r + 1), (-1, r + 1), 6),
            ("BOTTOMPADDING", (0, r + 1), (-1, r + 1), 8),
        ]
    table.setStyle(TableStyle(style))
    return table


def _unmonitored(st: _Styles, data: ReportData) -> list[Flowable]:
    share = f"{data.min_online_share * 100:g}%"
    if not data.unmonitored:
        return [para(f"无（各单位在线监测时长均达到统计时段的 {share}）。", st.note)]
    rows = [
        (s.name, f"{s.figures.online_hours:.1f}", f"{s.figures.expected_hours:.1f}", pct(s.figures.online_share),
         s.alerts)
        for s in data.unmonitored
    ]  # fmt: skip
    header = ["单位", "在线小时", "应在线小时", "在线率", "有效预警"]
    return [
        para(f"在线监测时长不足统计时段 {share} 的单位不参与排名：", st.note),
        st.table(header, rows, [70, 24, 26, 26, 28], "LRRRR"),
    ]


def _ranking(st: _Styles, data: ReportData) -> Table:
    rows = [
        (r.rank, r.site.name, f"{r.score:.1f}", r.site.alerts, r.site.overdue, r.site.escalated,
         pct(r.site.rectification_rate), pct(r.site.figures.online_share))
        for r in data.ranking
    ]  # fmt: skip
    header = ["名次", "单位", "得分", "有效预警", "逾期", "上报", "整改率", "在线率"]
    table = st.table(header, rows, [12, 52, 16, 18, 14, 14, 22, 26], "CLRRRRRR")
    # Only a list long enough, and not all equal, has a top and a bottom worth marking.
    if len(rows) > 6 and len({r.score for r in data.ranking}) > 1:
        green = [i for i, r in enumerate(data.ranking, start=1) if r.rank <= 3]
        floor = min(data.ranking[i - 1].score for i in green)
        # The bottom three, but never a site that scores as well as one marked as best.
        red = [i for i in range(len(rows) - 2, len(rows) + 1) if data.ranking[i - 1].score < floor]
        marks = [("BACKGROUND", (0, i), (-1, i), GREEN_LIST) for i in green]
        marks += [("BACKGROUND", (0, i), (-1, i), RED_LIST) for i in red]
        table.setStyle(TableStyle(marks))
    return table


def _sites(st: _Styles, data: ReportData) -> Table:
    rows = [
        (s.name, s.street, s.alerts, s.false_positive, s.closed, pct(s.rectification_rate), pct(s.on_time_rate),
         s.overdue)
        for s in [*data.sites, data.totals]
    ]  # fmt: skip
    header = ["单位", "所属街道", "有效预警", "误报", "已办结", "整改率", "及时率", "逾期"]
    return st.table(header, rows, [50, 30, 18, 14, 16, 20, 20, 14], "LLRRRRRR")


def _records(st: _Styles, data: ReportData) -> list[Flowable]:
    r = data.records
    span = f"{r.date_from}" if r.date_from == r.date_to else f"{r.date_from} 至 {r.date_to}"
    out: list[Flowable] = [para(f"台账完成率（{span}）：总体 {pct(r.rate)}", st.note)]
    kinds = [(KIND_NAMES_ZH[k], v.done, v.expected, pct(v.rate)) for k, v in r.by_kind.items()]
    out.append(st.table(["台账", "已完成", "应完成", "完成率"], kinds, [40, 30, 30, 30], "LRRR"))
    if r.lowest:  # empty when no site had a school day in the period
        low = [(s.site_name, s.street, pct(s.rate)) for s in r.lowest]
        out += [Spacer(1, 3 * mm), para(f"完成率最低的 {len(r.lowest)} 家单位：", st.note)]
        out.append(st.table(["单位", "所属街道", "完成率"], low, [80, 50, 30], "LLR"))
    head = f"健康证：已过期 {r.expired} 人，{EXPIRING_DAYS} 天内到期 {r.expiring} 人（截至 {r.date_to}）"
    out += [Spacer(1, 3 * mm), para(head, st.note)]
    if r.certs:
        certs = [(c.site_name, c.name, c.position, c.cert_no, str(c.expires_on), CERT_STATES_ZH[c.state])
                 for c in r.certs[:CERT_ROWS]]  # fmt: skip
        out.append(st.table(["单位", "姓名", "岗位", "健康证编号", "有效期至", "状态"], certs,
                            [50, 20, 20, 36, 24, 20], "LLLLCC"))  # fmt: skip
        if len(r.certs) > CERT_ROWS:
            out.append(para(f"仅列出前 {CERT_ROWS} 条，完整清单见 Excel 报表。", st.note))
    breaches = "；".join(f"{name} {n} 次" for _, name, n in r.breaches)
    out += [Spacer(1, 3 * mm), para(f"传感器超限预警：{breaches}", st.note)]
    return out
