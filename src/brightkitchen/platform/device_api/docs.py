"""The OpenAPI description of the device API's refusals. Every refusal is problem+json;
429/503 (with Retry-After) and 5xx mean "retry", 401/403/404/409/413/415/422 mean "don't"."""

from __future__ import annotations

from typing import Any

from brightkitchen.platform.problems import PROBLEM_JSON

_PROBLEM: dict[str, Any] = {"content": {PROBLEM_JSON: {}}}
REFUSALS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, **_PROBLEM}
    for code, text in {
        401: "unknown or revoked device key (do not retry)",
        403: "not this device's site (do not retry)",
        404: "camera not registered at the site (do not retry)",
        409: "event_id already used by another site (do not retry)",
        413: "body over max_upload_bytes (do not retry)",
        415: "evidence is not what it claims by content (do not retry)",
        422: "invalid event, or evidence size/sha256 mismatch or truncated (do not retry)",
        429: "rate limited: retry after Retry-After",
        503: "temporarily unavailable: retry after Retry-After",
    }.items()
}


def refusals(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The refusals an endpoint can give, in the table's order."""
    return {k: v for k, v in REFUSALS.items() if k in codes}
