"""The report as an Excel workbook: one sheet per table, Chinese headers, rates as real percentages."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from brightkitchen.platform.reports.data import ReportData
from brightkitchen.platform.reports.records_section import CERT_STATES_ZH, KIND_NAMES_ZH
from brightkitchen.platform.reports.text import plain
from brightkitchen.platform.staff.service import EXPIRING_DAYS

PCT = "0.0%"
WHEN = "yyyy-mm-dd hh:mm"
HEAD = Font(bold=True, color="FFFFFF")
HEAD_FILL = PatternFill("solid", fgColor="2F5597")
# A cell starting with one of these is a formula to Excel (or to a spreadsheet the sheet is pasted into).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _text(cell: Cell) -> None:
    """Names are text: a string that looks like a formula is stored as a string cell with Excel's quote prefix
    (what Excel itself does for a typed '=), so it shows as written, is never evaluated, and stays text when
    a user edits the cell. The value itself is not changed."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True


def rate(value: float | None) -> float | str:
    """A rate, or "—" where there was nothing to count: what the page and the PDF show too."""
    return "—" if value is None else value


def _width(value: Any) -> int:
    # Chinese characters take two columns of an Excel cell; dates about sixteen.
    if isinstance(value, datetime):
        return 16
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in str(value))


def _table(ws: Worksheet, headers: Sequence[str], rows: Sequence[Sequence[Any]], formats: dict[int, str]) -> None:
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font, cell.fill, cell.alignment = HEAD, HEAD_FILL, Alignment(horizontal="center")
    for row in rows:
        ws.append([plain(v) if isinstance(v, str) else v for v in row])
        for cell in ws[ws.max_row]:
            _text(cell)
    for col, fmt in formats.items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = fmt
    for i, header in enumerate(headers, start=1):
        longest = max([_width(header), *(_width(r[i - 1]) for r in rows if r[i - 1] is not None)])
        ws.column_dimensions[get_column_letter(i)].width = min(max(10, longest + 2), 48)
    ws.freeze_panes = "A2"


def to_xlsx(data: ReportData) -> bytes:
    tz = ZoneInfo(data.period.timezone)

    def local(at: datetime) -> datetime:
        return at.astimezone(tz).replace(tzinfo=None)  # Excel has no time zones: local wall time

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "概览"
    t = data.totals
    hours = round(t.mean_hours_to_close, 1) if t.mean_hours_to_close is not None else None
    summary: list[tuple[str, Any, str | None]] = [
        ("区域", data.region_name, None),
        ("报告期", data.period.title, None),
        ("统计截至", local(data.as_of), WHEN),
        ("生成时间", local(data.generated_at), WHEN),
        ("单位数", len(data.sites), None),
        ("已验收单位", data.accepted, None),
        ("覆盖率", data.coverage, PCT),
        ("预警数（有效）", t.alerts, None),
        ("误报数", t.false_positive, None),
        ("已办结", t.closed, None),
        ("整改率", rate(t.rectification_rate), PCT),
        ("按时整改", t.on_time, None),
        ("及时率", t.on_time_rate, PCT),
        ("平均整改时长（小时）", hours, None),
        ("逾期未整改", t.overdue, None),
        ("上报监管", t.escalated, None),
        ("边缘服务器在线率", data.edge_online_rate, PCT),
        ("摄像头在线率", data.camera_online_rate, PCT),
    ]
    _table(ws, ["指标", "数值"], [(k, v) for k, v, _ in summary], {})
    for i, (_, _, fmt) in enumerate(summary, start=2):
        if fmt:
            ws.cell(row=i, column=2).number_format = fmt

    _table(
        wb.create_sheet("按类型"),
        ["违规类型", "代码", "预警总数", "误报", "有效预警"],
        [(name, code, n, fp, n - fp) for code, name, n, fp in data.by_type],
        {},
    )
    _table(
        wb.create_sheet("按单位"),
        [
            "单位编码",
            "单位名称",
            "所属街道",
            "预警数",
            "误报",
            "已办结",
            "整改率",
            "按时整改",
            "及时率",
            "逾期",
            "上报",
        ],
        [
            (
                s.code,
                s.name,
                s.street,
                s.alerts,
                s.false_positive,
                s.closed,
                rate(s.rectification_rate),
                s.on_time,
                s.on_time_rate,
                s.overdue,
                s.escalated,
            )
            for s in data.sites
        ],
        {7: PCT, 9: PCT},
    )
    _table(
        wb.create_sheet("逾期清单"),
        ["预警编号", "单位编码", "单位名称", "违规类型", "状态", "发生时间", "整改期限", "逾期（小时）"],
        [
            (
                o.alert_id,
                o.site_code,
                o.site_name,
                o.code_name,
                o.state,
                local(o.created_at),
                local(o.deadline_at),
                o.hours_overdue,
            )
            for o in data.overdue
        ],
        {6: WHEN, 7: WHEN},
    )
    _table(
        wb.create_sheet("在线率"),
        ["单位编码", "单位名称", "边缘服务器", "摄像头", "故障次数", "边缘服务器在线率", "摄像头在线率"],
        [
            (
                s.code,
                s.name,
                s.online.devices,
                s.online.cameras,
                s.online.faults,
                s.online.edge_rate,
                s.online.camera_rate,
            )
            for s in data.sites
        ],
        {6: PCT, 7: PCT},
    )
    _table(
        wb.create_sheet("排名"),
        ["名次", "单位编码", "单位名称", "得分", "预警数", "逾期", "上报", "整改率", "在线小时", "在线率"],
        [
            (
                r.rank,
                r.site.code,
                r.site.name,
                r.score,
                r.site.alerts,
                r.site.overdue,
                r.site.escalated,
                rate(r.site.rectification_rate),
                r.site.figures.online_hours,
                r.site.figures.online_share,
            )
            for r in data.ranking
        ],
        {8: PCT, 10: PCT},
    )
    _table(
        wb.create_sheet("未在线监测"),
        ["单位编码", "单位名称", "在线小时", "应在线小时", "在线率", "预警数"],
        [
            (s.code, s.name, s.figures.online_hours, s.figures.expected_hours, s.figures.online_share, s.alerts)
            for s in data.unmonitored
        ],
        {5: PCT},
    )
    _table(wb.create_sheet("趋势"), ["日期", "预警数"], [(d, n) for d, n in data.trend], {1: "yyyy-mm-dd"})
    _records(wb, data)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _records(wb: Workbook, data: ReportData) -> None:
    """台账与证照: the figures on one sheet (label, done, expected, rate), the certificates on their own."""
    r = data.records
    rows: list[tuple[Any, ...]] = [("统计日期", f"{r.date_from} 至 {r.date_to}", None, None),
                                   ("台账完成率（总体）", None, None, rate(r.rate))]  # fmt: skip
    rows += [(f"{KIND_NAMES_ZH[k]}完成率", v.done, v.expected, rate(v.rate)) for k, v in r.by_kind.items()]
    rows += [(f"完成率最低 {i}：{s.site_name}（{s.street}）", None, None, rate(s.rate))
             for i, s in enumerate(r.lowest, start=1)]  # fmt: skip
    rows.append(("健康证已过期（人）", r.expired, None, None))
    rows.append((f"健康证 {EXPIRING_DAYS} 天内到期（人）", r.expiring, None, None))
    rows += [(f"传感器超限预警：{name}", n, None, None) for _, name, n in r.breaches]
    _table(wb.create_sheet("台账与证照"), ["指标", "已完成/数量", "应完成", "完成率"], rows, {4: PCT})
    _table(
        wb.create_sheet("健康证"),
        ["单位名称", "所属街道", "姓名", "岗位", "健康证编号", "有效期至", "状态", "剩余天数"],
        [(c.site_name, c.street, c.name, c.position, c.cert_no, c.expires_on, CERT_STATES_ZH[c.state], c.days_left)
         for c in r.certs],
        {6: "yyyy-mm-dd"},
    )  # fmt: skip
