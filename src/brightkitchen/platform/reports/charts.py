"""Charts for the PDF report, drawn with reportlab.graphics (vector, same font as the text)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

BAR = colors.HexColor("#2F5597")


def _int_axis(axis: Any, largest: int) -> None:
    # Counts are whole numbers: the axis starts at zero and steps by whole numbers.
    step = max(1, math.ceil(largest / 5))
    axis.valueMin = 0
    axis.valueStep = step
    axis.valueMax = step * max(1, math.ceil(largest * 1.08 / step))  # headroom for the bar labels


def _title(d: Drawing, text: str, font: str, width: float) -> None:
    d.add(String(width / 2, d.height - 14, text, fontName=font, fontSize=11, textAnchor="middle"))


def by_type_chart(rows: Sequence[tuple[str, int]], font: str, width: float = 460) -> Drawing:
    """Horizontal bars, biggest on top, so long Chinese type names stay readable."""
    rows = list(rows)[:10]
    height = 50 + 22 * max(1, len(rows))
    d = Drawing(width, height)
    _title(d, "违规类型分布（有效预警）", font, width)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 110, 20, width - 150, height - 50
    chart.data = [[n for _, n in reversed(rows)]]
    chart.categoryAxis.categoryNames = [name for name, _ in reversed(rows)]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 9
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 8
    _int_axis(chart.valueAxis, max(n for _, n in rows))
    chart.bars[0].fillColor = BAR
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 8
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    d.add(chart)
    return d


def trend_chart(points: Sequence[tuple[date, int]], font: str, width: float = 460) -> Drawing:
    d = Drawing(width, 190)
    _title(d, "每日有效预警数", font, width)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, width - 60, 130
    chart.data = [[n for _, n in points]]
    every = max(1, math.ceil(len(points) / 16))  # a month would crowd the axis: label every other day
    chart.categoryAxis.categoryNames = [
        f"{p.month}/{p.day}" if i % every == 0 else "" for i, (p, _) in enumerate(points)
    ]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 8
    _int_axis(chart.valueAxis, max([n for _, n in points] or [0]))
    chart.bars[0].fillColor = BAR
    d.add(chart)
    return d
