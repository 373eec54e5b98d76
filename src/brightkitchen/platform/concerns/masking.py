"""The complainant's contact as a school sees it: enough to tell concerns apart, not enough to call or name anyone.
Masking happens here, on the server; the full values never reach a school's browser."""

from __future__ import annotations

import re

# A run of 7 or more digits, possibly split by spaces or dashes: a phone number written into the text.
_NUMBER_IN_TEXT = re.compile(r"\+?\d(?:[\s\-]?\d){6,}")


def mask_phone(phone: str) -> str:
    """'138 1234 5678' -> '138****5678': the first 3 and last 4 digits; shorter numbers keep only the last 2."""
    digits = re.sub(r"\D", "", phone)
    if not digits:
        return ""
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(len(digits) - 2, 1) + digits[-2:] if len(digits) > 2 else "*" * len(digits)


def mask_name(name: str) -> str:
    """'王女士' -> '王**', '张三' -> '张*': the first character only (a one-character name shows none)."""
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    return name[0] + "*" * (len(name) - 1)


def mask_text(text: str) -> str:
    """The report with any phone number written into it masked the same way."""
    return _NUMBER_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
