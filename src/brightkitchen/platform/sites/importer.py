"""Bulk import of sites and their school accounts from the CSV or Excel sheet a regulator already keeps.

All rows are checked first; any bad row means nothing is written and every bad row is reported with
its row number. Re-running the same sheet changes nothing (sites match on code, accounts on username).

A sheet holds at most MAX_SITES sites. Excel files are read as a stream (openpyxl read-only mode) and reading
stops at the cap, so a small file of a million rows is refused in well under a second.
"""

from __future__ import annotations

import csv
import io
import secrets
import zipfile
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.regions.models import Region, RegionKind
from brightkitchen.platform.regions.service import add_region
from brightkitchen.platform.security import hash_password
from brightkitchen.platform.sites.models import Site, SiteKind
from brightkitchen.platform.tenancy import can_see_region
from brightkitchen.platform.users.models import Role, User
from brightkitchen.platform.users.passwords import one_time_password

MAX_SITES = 5000  # per file: a district's sheet is a few hundred; more is a mistake or an attack
MAX_SHEET_ROWS = 4 * MAX_SITES  # blank rows included, so a gap of a million empty rows is refused too
MAX_COLUMNS = 64  # cells further right are ignored (a cell in column XFD would widen every row to 16k)
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # the sum of the file sizes declared inside the xlsx (a zip)

# Column headers as regulators write them (Chinese) or as the template names them (English).
HEADER_ALIASES: dict[str, str] = {
    "code": "code",
    "编码": "code",
    "单位编码": "code",
    "site_code": "code",
    "name": "name",
    "名称": "name",
    "单位名称": "name",
    "site_name": "name",
    "kind": "kind",
    "类型": "kind",
    "单位类型": "kind",
    "district": "district",
    "区县": "district",
    "分局": "district",
    "所属分局": "district",
    "street": "street",
    "街道": "street",
    "乡镇街道": "street",
    "address": "address",
    "地址": "address",
    "contact_name": "contact_name",
    "联系人": "contact_name",
    "contact_phone": "contact_phone",
    "联系电话": "contact_phone",
    "电话": "contact_phone",
    "admin_username": "admin_username",
    "管理员账号": "admin_username",
    "账号": "admin_username",
}
KIND_ALIASES: dict[str, str] = {
    "学校": SiteKind.school,
    "中小学": SiteKind.school,
    "幼儿园": SiteKind.kindergarten,
    "配餐单位": SiteKind.meal_supplier,
    "供餐单位": SiteKind.meal_supplier,
}


class ImportRow(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-\.]+$")
    name: str = Field(min_length=1, max_length=200)
    kind: SiteKind
    district: str = Field(min_length=1, max_length=128)
    street: str = Field(min_length=1, max_length=128)
    address: str = Field(default="", max_length=300)
    contact_name: str = Field(default="", max_length=64)
    contact_phone: str = Field(default="", max_length=32)
    admin_username: str | None = Field(default=None, min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_\-\.@]+$")

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        return KIND_ALIASES.get(str(value).strip(), str(value).strip()) if value is not None else value

    @field_validator("admin_username", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return None if value is None or str(value).strip() == "" else value


@dataclass
class RowError:
    row: int
    field: str
    message: str


@dataclass
class ImportResult:
    sites_created: int = 0
    sites_updated: int = 0
    sites_unchanged: int = 0
    streets_created: int = 0
    accounts_created: list[tuple[str, str]] = field(default_factory=list)  # (username, one-time password)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFileError(ValueError):
    """The file itself cannot be read as a site sheet."""


def _xlsx_rows(content: bytes) -> Generator[Sequence[Any], None, None]:
    """The first sheet's rows, parsed as they are read."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFileError(f"not a readable Excel file: {exc}") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(f"not a readable Excel file: it unpacks to more than {MAX_UNPACKED_BYTES >> 20} MiB")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ImportFileError(f"not a readable Excel file: {exc}") from exc
    try:
        sheet = book.worksheets[0]
        if not isinstance(sheet, ReadOnlyWorksheet):
            raise ImportFileError("not a readable Excel file: the first sheet is not a table")
        sheet.reset_dimensions()  # the size a file declares may be wrong either way; read what is there
        yield from sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    except ImportFileError:
        raise
    except Exception as exc:  # broken XML further down the sheet
        raise ImportFileError(f"not a readable Excel file: {exc}") from exc
    finally:
        book.close()


def _csv_rows(content: bytes) -> Generator[Sequence[Any], None, None]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")  # sheets saved by Chinese Excel are often GBK
        except UnicodeDecodeError as exc:
            raise ImportFileError("not a readable CSV file: save it as UTF-8 or GBK text") from exc
    try:
        yield from csv.reader(io.StringIO(text))
    except csv.Error as exc:
        raise ImportFileError(f"not a readable CSV file: {exc}") from exc


def read_rows(filename: str, content: bytes) -> list[tuple[int, dict[str, Any]]]:
    """Rows as (sheet row number, {canonical column: value}); the header is row 1.

    Raises ImportFileError, naming the limit, as soon as the sheet has more than MAX_SITES sites or
    MAX_SHEET_ROWS rows: the rest of the file is never read."""
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        table = _xlsx_rows(content)
    elif suffix == ".csv":
        table = _csv_rows(content)
    else:
        raise ImportFileError("use a .csv or .xlsx file")
    with closing(table):  # closes the workbook when reading stops early
        return _collect(table)


def _collect(table: Iterator[Sequence[Any]]) -> list[tuple[int, dict[str, Any]]]:
    first = next(table, None)
    if first is None:
        raise ImportFileError("the file is empty")
    header = [HEADER_ALIASES.get(str(h).strip(), "") if h is not None else "" for h in first]
    missing = {"code", "name", "kind", "district", "street"} - set(header)
    if missing:
        raise ImportFileError(f"missing columns: {', '.join(sorted(missing))}")
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(table, start=2):
        if number > MAX_SHEET_ROWS:
            raise ImportFileError(
                f"more than {MAX_SHEET_ROWS} rows (blank rows included); a sheet holds at most {MAX_SITES} sites"
            )
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        if len(rows) == MAX_SITES:
            raise ImportFileError(
                f"too many rows: a sheet holds at most {MAX_SITES} sites (row {number} is one too many); "
                "split it into several files"
            )
        rows.append((number, {h: ("" if v is None else str(v)) for h, v in zip(header, values, strict=False) if h}))
    return rows


def _resolve_district(session: Session, name: str) -> Region | None:
    return session.scalar(
        select(Region).where(Region.kind == RegionKind.district, (Region.name == name) | (Region.code == name))
    )


def import_sites(session: Session, principal: Principal, rows: list[tuple[int, dict[str, Any]]]) -> ImportResult:
    result = ImportResult()
    parsed: list[tuple[int, ImportRow, Region]] = []
    seen_codes: dict[str, int] = {}
    for number, raw in rows:
        try:
            row = ImportRow.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                result.errors.append(RowError(number, ".".join(map(str, err["loc"])), err["msg"]))
            continue
        if row.code in seen_codes:
            result.errors.append(RowError(number, "code", f"duplicate of row {seen_codes[row.code]}"))
            continue
        seen_codes[row.code] = number
        district = _resolve_district(session, row.district)
        if district is None or not can_see_region(session, principal, district.id):
            result.errors.append(RowError(number, "district", f"no district '{row.district}' in your region"))
            continue
        existing_user = (
            session.scalar(select(User).where(User.username == row.admin_username)) if row.admin_username else None
        )
        existing_site = session.scalar(select(Site).where(Site.code == row.code))
        if existing_user is not None and (existing_site is None or existing_user.site_id != existing_site.id):
            result.errors.append(RowError(number, "admin_username", "username belongs to another account"))
            continue
        if existing_site is not None and not can_see_region(session, principal, existing_site.region_id):
            result.errors.append(RowError(number, "code", "site code belongs to a site outside your region"))
            continue
        parsed.append((number, row, district))
    if result.errors:
        return result
    for _number, row, district in parsed:
        _apply(session, row, district, result)
    session.flush()
    return result


def _street(session: Session, district: Region, name: str, result: ImportResult) -> Region:
    street = session.scalar(
        select(Region).where(Region.parent_id == district.id, Region.kind == RegionKind.street, Region.name == name)
    )
    if street is None:
        street = add_region(session, name, f"{district.code}-{secrets.token_hex(4)}", RegionKind.street, district)
        result.streets_created += 1
    return street


def _apply(session: Session, row: ImportRow, district: Region, result: ImportResult) -> None:
    street = _street(session, district, row.street, result)
    fields = {
        "name": row.name,
        "kind": str(row.kind),
        "region_id": street.id,
        "address": row.address,
        "contact_name": row.contact_name,
        "contact_phone": row.contact_phone,
    }
    site = session.scalar(select(Site).where(Site.code == row.code))
    if site is None:
        site = Site(code=row.code, **fields)
        session.add(site)
        session.flush()
        result.sites_created += 1
    elif any(getattr(site, k) != v for k, v in fields.items()):
        for k, v in fields.items():
            setattr(site, k, v)
        result.sites_updated += 1
    else:
        result.sites_unchanged += 1
    if row.admin_username and session.scalar(select(User.id).where(User.username == row.admin_username)) is None:
        password = one_time_password()
        session.add(
            User(
                username=row.admin_username,
                password_hash=hash_password(password),
                must_change_password=True,  # handed over on paper: the school admin picks its own at first sign-in
                role=Role.school_admin,
                site_id=site.id,
                display_name=row.contact_name,
            )
        )
        result.accounts_created.append((row.admin_username, password))
