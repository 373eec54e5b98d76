"""Reading labelled frames through the caller's scope: the public shape, the filtered list, one image."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.labelling.models import LabelImage
from brightkitchen.platform.labelling.schemas import BoxPublic, LabelImagePublic
from brightkitchen.platform.pagination import Page, PageParams, count_rows, one_page
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.sorting import sorted_by
from brightkitchen.platform.tenancy import get_visible, site_scope

FILE_URL = "/api/v1/labelling/images/{id}/file"

SORTS: dict[str, Any] = {
    "id": LabelImage.id,
    "captured_at": LabelImage.captured_at,
    "created_at": LabelImage.created_at,
    "reviewed_at": LabelImage.reviewed_at,
    "status": LabelImage.status,
    "task": LabelImage.task,
}


@dataclass(frozen=True)
class ImageFilters:
    task: str | None = None
    status: str | None = None
    site_id: int | None = None
    sort: str | None = None  # a name in SORTS, "-" first for downwards; None: newest first


def to_public(image: LabelImage, site_name: str, camera_name: str | None) -> LabelImagePublic:
    return LabelImagePublic(
        id=image.id,
        task=image.task,
        source=image.source,
        alert_id=image.alert_id,
        site_id=image.site_id,
        site_name=site_name,
        camera_id=image.camera_id,
        camera_name=camera_name,
        captured_at=image.captured_at,
        width=image.width,
        height=image.height,
        status=image.status,
        reviewed_by_name=image.reviewed_by_name,
        reviewed_at=image.reviewed_at,
        boxes=[BoxPublic(**b) for b in image.boxes or []],
        dropped_labels=list(image.dropped_labels or []),
        licence=image.licence,
        attribution=image.attribution,
        image_url=FILE_URL.format(id=image.id),
        history_count=image.history_count,
    )


def _with_names() -> Select[LabelImage, str, str]:
    return (
        select(LabelImage, Site.name, Camera.name)
        .join(Site, Site.id == LabelImage.site_id)
        .outerjoin(Camera, Camera.id == LabelImage.camera_id)
    )


def public(session: Session, image: LabelImage) -> LabelImagePublic:
    row = session.execute(_with_names().where(LabelImage.id == image.id)).one()
    return to_public(row[0], row[1], row[2])


def visible_image(session: Session, principal: Principal, image_id: int) -> LabelImage:
    """Another district's image answers exactly like a missing one."""
    return get_visible(session, principal, LabelImage, image_id, "label image")


def list_images(session: Session, principal: Principal, f: ImageFilters, params: PageParams) -> Page[LabelImagePublic]:
    stmt = _with_names().where(site_scope(principal))
    if f.task:
        stmt = stmt.where(LabelImage.task == f.task)
    if f.status:
        stmt = stmt.where(LabelImage.status == f.status)
    if f.site_id is not None:
        stmt = stmt.where(LabelImage.site_id == f.site_id)
    total = count_rows(session, stmt)
    ordered: Any = sorted_by(cast(Any, stmt), f.sort or "-id", SORTS, LabelImage.id)  # typed for one entity
    rows = session.execute(one_page(ordered, params)).all()
    return Page.of([to_public(row[0], row[1], row[2]) for row in rows], total, params)
