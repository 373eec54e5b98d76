"""gzip for answers that shrink: API JSON and text over 1 KB, when the browser accepts it.

Starlette's middleware already leaves alone answers that carry their own encoding (the web app's precompressed
files), partial answers (video ranges) and, by content type, server-sent events and pictures, video and
archives; this adds the formats of this platform that are compressed already (PDF, xlsx, MPEG-TS segments).
Brotli is not offered: it would need a package this project does not install, and gzip gets most of the gain.
``Settings.compression`` turns it off where a proxy in front compresses.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from brightkitchen.platform.settings import Settings

MINIMUM_SIZE = 1024  # below about 1 KB the gzip header and a TLS record make the saving nothing
LEVEL = 6  # zlib's own default: most of level 9's gain for a fraction of its CPU on every answer
ALREADY_COMPRESSED = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,  # includes text/event-stream, image/jpeg, image/png, video/*
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream",
    "video/mp2t",
)


def add_compression(app: FastAPI, settings: Settings) -> None:
    if settings.compression:
        app.add_middleware(
            GZipMiddleware, minimum_size=MINIMUM_SIZE, compresslevel=LEVEL, exclude_content_types=ALREADY_COMPRESSED
        )
