"""The staff sheet (xlsx, Chinese headers): read for import (all rows checked before anything is written;
re-importing the same sheet changes nothing: people match on their certificate number within the site) and
written for export with the same headers."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.staff.models import Staff

HEADERS = {"姓名": "name", "岗位": "position", "电话": "phone", "健康证编号": "cert_no", "发证日期": "cert_issued_on",
           "有效期至": "cert_expires_on"}  # fmt: skip
REQUIRED = ("name", "position", "cert_no", "cert_issued_on", "cert_expires_on")
MAX_ROWS = 2000  # a kitchen's roster is tens of people
MAX_UNPACKED_BYTES = 16 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SheetError(ValueError):
    """The file cannot be read as a staff sheet."""


@dataclass
class RowError:
    row: int
    field: str
    message: str


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


class SheetRow(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64)
    position: str = Field(min_length=1, max_length=64)
    phone: str = Field(default="", max_length=32)
    cert_no: str = Field(min_length=1, max_length=64)
    cert_issued_on: date
    cert_expires_on: date

    @field_validator("cert_issued_on", "cert_expires_on", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, str):
            return value.strip().replace("/", "-").replace(".", "-")
        return value

    @field_validator("name", "position", "phone", "cert_no")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError("control characters are not allowed")
        return value

    @model_validator(mode="after")
    def _order(self) -> SheetRow:
        if self.cert_expires_on < self.cert_issued_on:
            raise ValueError("有效期至 is before 发证日期")
        return self


def read_rows(content: bytes) -> list[tuple[int, dict[str, Any]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SheetError(f"not a readable Excel file: {exc}") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise SheetError("not a readable Excel file: it unpacks to too much")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise SheetError(f"not a readable Excel file: {exc}") from exc
    try:
        table = book.worksheets[0].iter_rows(max_col=16, values_only=True)
        first = next(table, None)
        if first is None:
            raise SheetError("the file is empty")
        header = [HEADERS.get(str(h).strip(), "") if h is not None else "" for h in first]
        missing = [k for k, v in HEADERS.items() if v in REQUIRED and v not in header]
        if missing:
            raise SheetError(f"missing columns: {', '.join(missing)}")
        rows: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(table, start=2):
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            if len(rows) == MAX_ROWS:
                raise SheetError(f"too many rows: at most {MAX_ROWS} people per sheet")
            rows.append((number, {h: v for h, v in zip(header, values, strict=False) if h and v is not None}))
        return rows
    except SheetError:
        raise
    except Exception as exc:  # broken XML further down the sheet
        raise SheetError(f"not a readable Excel file: {exc}") from exc
    finally:
        book.close()


def _cell(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def import_rows(session: Session, site_id: int, rows: list[tuple[int, dict[str, Any]]], now: datetime) -> Outcome:
    out = Outcome()
    parsed: list[SheetRow] = []
    seen: dict[str, int] = {}
    for number, raw in rows:
        try:
            row = SheetRow.model_validate({k: _cell(v) for k, v in raw.items()})
        except ValidationError as exc:
            for err in exc.errors():
                name = ".".join(map(str, err["loc"])) or "row"
                out.errors.append(RowError(number, name, str(err["msg"]).removeprefix("Value error, ")))
            continue
        if row.cert_no in seen:
            out.errors.append(RowError(number, "cert_no", f"duplicate of row {seen[row.cert_no]}"))
            continue
        seen[row.cert_no] = number
        parsed.append(row)
    if out.errors:
        return out
    existing = {s.cert_no: s for s in session.scalars(select(Staff).where(Staff.site_id == site_id))}
    for row in parsed:
        values = row.model_dump()
        current = existing.get(row.cert_no)
        if current is None:
            session.add(Staff(site_id=site_id, active=True, created_at=now, updated_at=now, **values))
            out.created += 1
        elif any(getattr(current, k) != v for k, v in values.items()) or not current.active:
            for key, value in values.items():
                setattr(current, key, value)
            current.active, current.updated_at = True, now
            out.updated += 1
    session.flush()
    return out


def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters cannot be stored in a worksheet


def export(rows: list[Staff]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "从业人员"
    sheet.append(list(HEADERS))
    for r in rows:
        sheet.append([_text(r.name), _text(r.position), _text(r.phone), _text(r.cert_no), r.cert_issued_on,
                      r.cert_expires_on])  # fmt: skip
        for cell in sheet[sheet.max_row][:4]:
            cell.data_type = "s"  # text stays text: a name starting with "=" is never a formula in Excel
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
