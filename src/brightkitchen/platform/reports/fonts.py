"""The CJK font of PDF reports, embedded (as a subset) so that every viewer shows the same glyphs.

settings.report_font_path names a TrueType CJK font (glyf outlines, e.g. WenQuanYi Zen Hei); CFF-based
OpenType such as Noto Sans CJK cannot be embedded by reportlab. Unset, the first of the usual system
TrueType CJK fonts found is used. Only where none is installed does the report fall back to reportlab's
built-in CID font STSong-Light, which is not embedded (the viewer supplies the glyphs), with a warning."""

from __future__ import annotations

import logging
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

log = logging.getLogger(__name__)
BUILTIN = "STSong-Light"
EMBEDDED = "BrightKitchenCJK"
# Debian/Ubuntu fonts-wqy-zenhei, fonts-wqy-microhei, fonts-arphic-uming; RHEL wqy-zenhei-fonts.
SYSTEM_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)


def system_font() -> Path | None:
    return next((p for p in SYSTEM_FONTS if p.is_file()), None)


class FontError(ValueError):
    pass


def register(font_path: Path | None) -> str:
    """Registers the report font (idempotent) and returns its name."""
    font_path = font_path or system_font()
    if font_path is None:
        if BUILTIN not in pdfmetrics.getRegisteredFontNames():
            log.warning("no TrueType CJK font found: PDF reports use %s, not embedded", BUILTIN)
            pdfmetrics.registerFont(UnicodeCIDFont(BUILTIN))
        return BUILTIN
    name = f"{EMBEDDED}-" + "".join(ch for ch in font_path.stem if ch.isalnum())
    if name not in pdfmetrics.getRegisteredFontNames():
        try:
            pdfmetrics.registerFont(TTFont(name, str(font_path), subfontIndex=0))
        except (TTFError, OSError) as exc:
            raise FontError(f"report_font_path {font_path.name}: {exc}") from exc
    return name
