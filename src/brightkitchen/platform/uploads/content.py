"""Evidence is judged by its bytes, never by its name: magic numbers, then a structural walk that
also catches truncated files (JPEG segments and EOI, PNG chunks and IEND, MP4 top-level boxes)."""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Start-of-frame markers carry the image size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def sniff(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == PNG_SIGNATURE:
        return "image/png"
    if len(data) >= 12 and data[4:8] == b"ftyp":
        return "video/mp4"
    return None


def _jpeg_frame(data: bytes) -> tuple[tuple[int, int] | None, str | None]:
    """The walk through a JPEG's segments up to its scan: the frame size it names (None if none) and what is
    wrong with the header (None if nothing)."""
    n, i, size = len(data), 2, None
    while True:
        if i >= n or data[i] != 0xFF:
            return None, "the JPEG header is cut short or malformed"
        while i < n and data[i] == 0xFF:
            i += 1
        if i >= n:
            return None, "the JPEG header is cut short"
        marker = data[i]
        i += 1
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:
            continue
        if marker == 0xD9 or i + 2 > n:
            return None, "the JPEG ends before its image data"
        (length,) = struct.unpack(">H", data[i : i + 2])
        if length < 2 or i + length > n:
            return None, "a JPEG segment runs past the end of the file"
        if marker in _SOF:
            if length < 8:
                return None, "the JPEG frame header is malformed"
            height, width = struct.unpack(">HH", data[i + 3 : i + 7])
            if not width or not height:
                return None, "the JPEG has no image size"
            size = (width, height)
        if marker == 0xDA:
            return size, None
        i += length


def jpeg_problem(data: bytes) -> str | None:
    """None if the header decodes (a frame with a size, then scan data) and the file ends with EOI."""
    size, problem = _jpeg_frame(data)
    if problem is not None:
        return problem
    if size is None:
        return "the JPEG has no frame header"
    if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        return "the JPEG is truncated (no end-of-image marker)"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a JPEG (its frame header) or a PNG (its IHDR), read without decoding; None if the
    header names none."""
    if data[:8] == PNG_SIGNATURE:
        return (int.from_bytes(data[16:20]), int.from_bytes(data[20:24])) if len(data) >= 24 else None
    if sniff(data) == "image/jpeg":
        size, problem = _jpeg_frame(data)
        return size if problem is None else None
    return None


def png_problem(data: bytes) -> str | None:
    i, n, first = 8, len(data), True
    while i + 12 <= n:
        length, kind = struct.unpack(">I4s", data[i : i + 8])
        end = i + 12 + length
        if end > n:
            return "a PNG chunk runs past the end of the file"
        chunk = data[i + 8 : i + 8 + length]
        if first:
            if kind != b"IHDR" or length != 13:
                return "the PNG does not start with its header chunk"
            if zlib.crc32(kind + chunk) != struct.unpack(">I", data[end - 4 : end])[0]:
                return "the PNG header is corrupt"
            if not all(struct.unpack(">II", chunk[:8])):
                return "the PNG has no image size"
            first = False
        if kind == b"IEND":
            return None
        i = end
    return "the PNG is truncated (no end chunk)"


def mp4_problem(data: bytes) -> str | None:
    i, n, kinds = 0, len(data), set()
    while i < n:
        if i + 8 > n:
            return "an MP4 box header is cut short"
        size, kind = struct.unpack(">I4s", data[i : i + 8])
        header = 8
        if size == 1:
            if i + 16 > n:
                return "an MP4 box header is cut short"
            (size,) = struct.unpack(">Q", data[i + 8 : i + 16])
            header = 16
        elif size == 0:
            size = n - i
        if size < header:
            return "an MP4 box is malformed"
        if i + size > n:
            return "the MP4 is truncated (a box runs past the end)"
        if i == 0 and kind != b"ftyp":
            return "the MP4 does not start with an ftyp box"
        kinds.add(kind)
        i += size
    if b"moov" not in kinds and b"moof" not in kinds:
        return "the MP4 has no movie header (moov)"
    return None


_CHECKS = {"image/jpeg": jpeg_problem, "image/png": png_problem, "video/mp4": mp4_problem}


def structure_problem(content_type: str, data: bytes) -> str | None:
    return _CHECKS[content_type](data)
