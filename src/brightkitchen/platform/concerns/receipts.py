"""Receipt codes: what the complainant keeps to look the concern up. 10 characters of Crockford's base32 (no I, L,
O or U): 50 random bits, short enough to copy by hand, and read back forgivingly (o→0, i/l→1, case, spaces, dashes)."""

from __future__ import annotations

import re
import secrets

from brightkitchen.platform.security import token_digest

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-]+")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(raw: str) -> str | None:
    """The code as issued, or None when ``raw`` cannot be one (no database lookup is worth making)."""
    code = _SEPARATORS.sub("", raw).upper().translate(_READ_AS)
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def digest(code: str) -> str:
    return token_digest(f"concern-receipt\n{code}")
