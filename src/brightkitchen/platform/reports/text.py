"""User-provided names (sites, streets, regions) as plain text for the report writers.

Names come from regulators and from imported sheets, so they may hold anything a form accepts: control
characters that the xlsx format cannot store, or lone surrogates that no encoder writes. Both writers pass
every string through ``plain`` so that one odd name never makes a region's report fail."""

from __future__ import annotations

import re

# What XML 1.0 (and so xlsx) cannot hold: C0 controls other than tab, line feed and carriage return.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def plain(value: str) -> str:
    """The text without control characters; a lone surrogate becomes "?"."""
    return CONTROL.sub("", value).encode("utf-8", "replace").decode("utf-8")
