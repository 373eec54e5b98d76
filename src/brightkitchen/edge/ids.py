"""Event ids made at the edge: time-ordered (48-bit milliseconds, like UUIDv7) plus 80 random bits."""

from __future__ import annotations

import secrets


def new_event_id(t: float) -> str:
    """32 lowercase hex digits; sorts by creation time, unique without coordination."""
    return f"{int(t * 1000) & 0xFFFFFFFFFFFF:012x}{secrets.token_hex(10)}"
