"""Turning evaluated checklists into API documents (signed links for the acceptance photos)."""

from __future__ import annotations

from datetime import datetime

from brightkitchen.platform.rollout.checks import ITEMS, ItemState
from brightkitchen.platform.rollout.models import RolloutStatus
from brightkitchen.platform.rollout.schemas import (
    AcceptancePublic,
    AlertTestRequestPublic,
    ChecklistPublic,
    ItemPublic,
    PhotoPublic,
    SiteStatusPublic,
    TrainingPublic,
)
from brightkitchen.platform.rollout.service import Checklist
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.storage.links import signed_url


def checklist_public(settings: Settings, site: Site, checklist: Checklist, now: datetime) -> ChecklistPublic:
    f = checklist.facts
    acceptance = None
    if f.acceptance is not None:
        a = f.acceptance
        photos = [
            PhotoPublic(
                id=p.id,
                url=signed_url(settings.secret_key, p.storage_key, now, settings.evidence_url_ttl_s),
                content_type=p.content_type,
                size=p.size,
            )
            for p in f.acceptance_photos
        ]
        acceptance = AcceptancePublic(
            id=a.id,
            site_id=a.site_id,
            inspector_id=a.inspector_id,
            inspector_name=a.inspector_name,
            note=a.note,
            signed_at=a.signed_at,
            photos=photos,
        )
    return ChecklistPublic(
        site_id=site.id,
        site_code=site.code,
        site_name=site.name,
        status=checklist.status,
        status_since=checklist.status_since,
        first_accepted_at=checklist.first_accepted_at,
        covered=checklist.status is RolloutStatus.accepted,
        items=[
            ItemPublic(
                code=i.code,
                kind=i.kind,
                title=ITEMS[i.code][1],
                title_en=ITEMS[i.code][2],
                state=i.state,
                evidence=i.evidence,
                evidence_en=i.evidence_en,
                at=i.at,
            )
            for i in checklist.items
        ],
        training=TrainingPublic.model_validate(f.training) if f.training else None,
        acceptance=acceptance,
        test_request=AlertTestRequestPublic.model_validate(f.latest_request) if f.latest_request else None,
    )


def site_status_public(site: Site, checklist: Checklist) -> SiteStatusPublic:
    return SiteStatusPublic(
        site_id=site.id,
        site_code=site.code,
        site_name=site.name,
        region_id=site.region_id,
        status=checklist.status,
        status_since=checklist.status_since,
        items_ok=sum(1 for i in checklist.items if i.state is ItemState.ok),
        items_total=len(checklist.items),
        failing=[i.code for i in checklist.items if i.state is ItemState.failing],
    )
