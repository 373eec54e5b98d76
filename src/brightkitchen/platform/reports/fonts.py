"""The CJK font of PDF reports. Default: reportlab's built-in CID font STSong-Light, which needs no file
but is not embedded (viewers supply the glyphs; poppler and Acrobat with its Asian font pack both do).
A TrueType CJK font (glyf outlines, e.g. WenQuanYi Zen Hei) can be embedded instead via
settings.report_font_path; CFF-based OpenType such as Noto Sans CJK cannot be embedded by reportlab."""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

BUILTIN = "STSong-Light"
EMBEDDED = "BrightKitchenCJK"


class FontError(ValueError):
    pass


def register(font_path: Path | None) -> str:
    """Registers the report font (idempotent) and returns its name."""
    if font_path is None:
        if BUILTIN not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(BUILTIN))
        return BUILTIN
    name = f"{EMBEDDED}-" + "".join(ch for ch in font_path.stem if ch.isalnum())
    if name not in pdfmetrics.getRegisteredFontNames():
        try:
            pdfmetrics.registerFont(TTFont(name, str(font_path), subfontIndex=0))
        except (TTFError, OSError) as exc:
            raise FontError(f"report_font_path {font_path.name}: {exc}") from exc
    return name
