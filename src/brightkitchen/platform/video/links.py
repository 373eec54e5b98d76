"""Signed, short-lived video links: a player (hls.js, a <video> tag) sends no bearer header, so each playlist
and each segment in it carries ``exp``/``sig`` query parameters, HMAC-signed like evidence links."""

from __future__ import annotations

from datetime import UTC, datetime

from brightkitchen.platform.problems import Problem
from brightkitchen.platform.security import sign, signature_ok

VIDEO_PATH = "/api/v1/video"


def _message(resource: str, exp: int) -> bytes:
    return f"video\n{resource}\n{exp}".encode()


def live_playlist_resource(camera_id: int) -> str:
    return f"live/{camera_id}/index.m3u8"


def live_segment_resource(camera_id: int, pos: int) -> str:
    return f"live/{camera_id}/{pos}.ts"


def playback_playlist_resource(request_id: str) -> str:
    return f"playback/{request_id}/index.m3u8"


def playback_segment_resource(request_id: str, seq: int) -> str:
    return f"playback/{request_id}/{seq}.ts"


def signed(secret_key: str, resource: str, exp: int) -> str:
    """The path of ``resource`` with its signature, valid until ``exp`` (unix seconds)."""
    return f"{VIDEO_PATH}/{resource}?exp={exp}&sig={sign(secret_key, _message(resource, exp))}"


def expiry(now: datetime, ttl_s: int) -> int:
    return int(now.timestamp()) + ttl_s


def expires_at(exp: int) -> datetime:
    return datetime.fromtimestamp(exp, UTC)


def check(secret_key: str, resource: str, exp: int, sig: str, now: datetime) -> None:
    """403 for an expired or tampered link (the page asks again for a fresh one)."""
    if exp < int(now.timestamp()) or not signature_ok(secret_key, _message(resource, exp), sig):
        raise Problem(
            403, "Forbidden", "the video link is invalid or has expired; open the video again", code="bad_link"
        )
