"""The roll-out's reads for the API: the scoped, filtered site list and a site's status history."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.pagination import PageParams, paginate
from brightkitchen.platform.rollout.models import RolloutStatus, RolloutStatusChange, SiteRollout
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.tenancy import in_region, site_scope


def list_sites(
    session: Session,
    principal: Principal,
    params: PageParams,
    region_id: int | None,
    status: RolloutStatus | None,
) -> tuple[list[Site], int]:
    stmt = (
        select(Site)
        .outerjoin(SiteRollout, SiteRollout.site_id == Site.id)
        .where(site_scope(principal))
        .order_by(Site.code)
    )
    if region_id is not None:
        stmt = stmt.where(in_region(session, principal, region_id))
    if status is not None:
        cond = SiteRollout.status == status
        if status is RolloutStatus.not_started:
            cond = or_(cond, SiteRollout.site_id.is_(None))  # never evaluated yet
        stmt = stmt.where(cond)
    return paginate(session, stmt, params)


def history(session: Session, site_id: int) -> Sequence[RolloutStatusChange]:
    return session.scalars(
        select(RolloutStatusChange)
        .where(RolloutStatusChange.site_id == site_id)
        .order_by(RolloutStatusChange.at, RolloutStatusChange.id)
    ).all()
