"""Reading an uploaded zip without trusting it: no paths outside the archive, no links, no encryption, a bounded
number of members, and a bounded size once unpacked, checked against the headers and again while reading (a
header may lie), so a zip bomb costs nothing but the refusal."""

from __future__ import annotations

import stat
import zipfile
from typing import IO

from brightkitchen.platform.problems import Problem

MAX_MEMBERS = 20_000
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # unpacked
MAX_RATIO = 200  # unpacked / packed, for members over RATIO_FLOOR: JPEGs barely compress, text a few times
RATIO_FLOOR = 1024 * 1024
_CHUNK = 1024 * 1024


def refused(status: int, code: str, detail: str, field: str = "file") -> Problem:
    return Problem(status, "Import refused", detail, code=code, errors=[{"field": field, "message": detail}])


def open_archive(fh: IO[bytes]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise refused(422, "bad_zip", "the file is not a readable zip archive") from exc


def _unsafe(name: str) -> bool:
    parts = name.split("/")
    return (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or ":" in parts[0]  # a drive letter (C:) or a URL-like name
        or any(part in ("..", ".") for part in parts)
    )


def checked_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's files (folders left out), or a refusal naming the first offending member."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise refused(422, "too_many_files", f"the archive holds {len(infos)} entries; at most {MAX_MEMBERS}")
    total, seen, files = 0, set(), []
    for info in infos:
        name = info.filename
        if _unsafe(name.rstrip("/") if info.is_dir() else name):
            raise refused(422, "unsafe_path", f"'{name[:200]}' points outside the archive")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise refused(422, "unsafe_path", f"'{name[:200]}' is a link")
        if info.flag_bits & 0x1:
            raise refused(422, "bad_zip", f"'{name[:200]}' is encrypted")
        if name in seen:
            raise refused(422, "bad_zip", f"'{name[:200]}' is in the archive twice")
        seen.add(name)
        if info.is_dir():
            continue
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise refused(413, "too_large", f"the archive unpacks to more than {MAX_TOTAL_BYTES // 2**20} MiB")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise refused(
                422, "zip_bomb", f"'{name[:200]}' unpacks to {info.file_size} bytes from {info.compress_size}"
            )
        files.append(info)
    return files


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member's bytes, never more than ``limit`` (nor more than its header said) read."""
    if info.file_size > limit:
        raise refused(413, "too_large", f"'{info.filename[:200]}' is over {limit} bytes")
    out = bytearray()
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                out += chunk
                if len(out) > min(limit, info.file_size):
                    raise refused(422, "zip_bomb", f"'{info.filename[:200]}' unpacks to more than its header says")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise refused(422, "bad_zip", f"'{info.filename[:200]}' cannot be unpacked") from exc
    return bytes(out)
