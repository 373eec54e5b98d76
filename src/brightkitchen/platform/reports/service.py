"""One entry point for the API and the CLI: a region, a period, a format -> the file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.reports.data import gather
from brightkitchen.platform.reports.pdf import to_pdf
from brightkitchen.platform.reports.periods import NAMES_ZH, PeriodKind, period_of
from brightkitchen.platform.reports.xlsx import to_xlsx
from brightkitchen.platform.settings import Settings


class ReportFormat(StrEnum):
    xlsx = "xlsx"
    pdf = "pdf"


MEDIA_TYPES = {
    ReportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.pdf: "application/pdf",
}


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    media_type: str
    filename: str  # ASCII only: the fallback name of the Content-Disposition header
    filename_zh: str  # what people see: region, kind and period in Chinese


def build_report(
    session: Session,
    settings: Settings,
    region: Region,
    kind: PeriodKind,
    day: date | None,
    fmt: ReportFormat,
    now: datetime,
) -> ReportFile:
    day = day or now.astimezone(ZoneInfo(settings.timezone)).date()
    period = period_of(kind, day, settings.timezone)
    data = gather(session, region, period, now, settings.ranking_min_online_share)
    content = to_xlsx(data) if fmt is ReportFormat.xlsx else to_pdf(data, settings.report_font_path)
    safe_code = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in region.code)
    zh = f"{region.name}明厨亮灶{NAMES_ZH[kind]}-{period.slug_zh}.{fmt.value}"
    return ReportFile(content, MEDIA_TYPES[fmt], f"report-{safe_code}-{period.slug}.{fmt.value}", zh)
