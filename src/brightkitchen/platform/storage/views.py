"""Evidence for browsers: only through a signed, short-lived link made by an alert response. A thumbnail's link
(a derived key) is signed the same way; its file is made from the picture on the first request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import FileResponse, RedirectResponse

from brightkitchen.platform.deps import NowDep, SettingsDep
from brightkitchen.platform.problems import Problem, not_found
from brightkitchen.platform.storage.base import EvidenceMissing, InvalidKey, check_key, content_type_of, is_thumbnail
from brightkitchen.platform.storage.deps import StoreDep
from brightkitchen.platform.storage.links import link_ok
from brightkitchen.platform.storage.thumbnails import UnreadablePicture, ensure_thumbnail

router = APIRouter(tags=["evidence"])


@router.get("/evidence/{key:path}", summary="An evidence file, through a signed link", response_class=Response)
def get_evidence(
    now: NowDep,
    key: str,
    settings: SettingsDep,
    store: StoreDep,
    exp: Annotated[int, Query()],
    sig: Annotated[str, Query(max_length=128)],
) -> Response:
    if not link_ok(settings.secret_key, key, exp, sig, now):
        raise Problem(403, "Forbidden", "the link is invalid or has expired; reload the alert", code="bad_link")
    try:
        check_key(key)
    except InvalidKey as exc:
        raise not_found("evidence") from exc
    if is_thumbnail(key):
        try:
            ensure_thumbnail(store, key)
        except EvidenceMissing as exc:
            raise not_found("evidence") from exc
        except UnreadablePicture as exc:
            raise Problem(
                422,
                "Unreadable picture",
                "the evidence picture cannot be decoded, so it has no thumbnail",
                code="unreadable_picture",
            ) from exc
    headers = {"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"}
    ctype = content_type_of(key)
    path = store.local_path(key)
    if path is not None:
        if not path.is_file():
            raise not_found("evidence")
        return FileResponse(path, media_type=ctype, headers=headers)
    url = store.presigned_url(key, settings.evidence_url_ttl_s)
    if url is not None:
        return RedirectResponse(url, status_code=307)
    try:
        return Response(store.read(key), media_type=ctype, headers=headers)
    except EvidenceMissing as exc:
        raise not_found("evidence") from exc
