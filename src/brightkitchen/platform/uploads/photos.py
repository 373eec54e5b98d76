"""Photos people upload (rectification, on-site acceptance): JPEG or PNG by content, structurally whole."""

from __future__ import annotations

from brightkitchen.platform.problems import Problem
from brightkitchen.platform.uploads.content import sniff, structure_problem

PHOTO_TYPES = ("image/jpeg", "image/png")


def photo_type(data: bytes, *, field: str, subject: str, mismatch: str, corrupt_prefix: str = "") -> str:
    """The photo's content type, or the refusal: 415 when not JPEG/PNG by content, 422 when it is broken.
    ``subject`` names the photo in the 415 detail; ``mismatch`` is the 415 field message."""
    ctype = sniff(data)
    if ctype not in PHOTO_TYPES:
        raise Problem(
            415,
            "Unsupported media type",
            f"{subject} must be a JPEG or PNG image by content",
            errors=[{"field": field, "message": mismatch}],
            code="unsupported_media_type",
        )
    assert ctype is not None
    broken = structure_problem(ctype, data)
    if broken:
        raise Problem(
            422,
            "Invalid request",
            f"{corrupt_prefix}{broken}",
            errors=[{"field": field, "message": broken}],
            code="corrupt",
        )
    return ctype
