from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from brightkitchen.platform.deps import NowDep, SessionDep, SettingsDep, UserDep
from brightkitchen.platform.pagination import Page, PageParams, page_params
from brightkitchen.platform.sites.models import Site, SiteKind
from brightkitchen.platform.sorting import SortParam
from brightkitchen.platform.stats import queries, service
from brightkitchen.platform.stats.schemas import OverviewPublic, RankingPublic, SiteStatsItem
from brightkitchen.platform.stats.sites import OnlineFilter, site_list

router = APIRouter(prefix="/stats", tags=["stats"])


@router.get("/overview", response_model=OverviewPublic, summary="KPIs over the caller's sites (or a region)")
def overview(
    now: NowDep,
    principal: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    region_id: Annotated[int | None, Query(description="only this region's subtree")] = None,
) -> OverviewPublic:
    ids = queries.site_ids(session, principal, region_id)
    return service.overview(session, settings, ids, now, queries.rollup_regions(session, principal, region_id))


@router.get(
    "/ranking",
    response_model=RankingPublic,
    summary="Watched sites by score, best first; sites watched too little listed apart (rule in the body)",
)
def ranking(
    now: NowDep,
    principal: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    region_id: Annotated[int | None, Query(description="only this region's subtree")] = None,
    days: Annotated[int, Query(ge=1, le=366, description="window for alert counts and online hours")] = 30,
) -> RankingPublic:
    ids = queries.site_ids(session, principal, region_id)
    return service.ranking(session, settings, ids, now, days)


@router.get("/sites", response_model=Page[SiteStatsItem], summary="The caller's sites with their figures")
def sites(
    now: NowDep,
    principal: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    params: Annotated[PageParams, Depends(page_params)],
    sort: SortParam = None,
    region_id: Annotated[int | None, Query(description="only this region's subtree")] = None,
    kind: SiteKind | None = None,
    q: Annotated[str | None, Query(max_length=100, description="part of the name or code")] = None,
    online: Annotated[OnlineFilter | None, Query(description="online now, offline now, or not watched enough")] = None,
    days: Annotated[int, Query(ge=1, le=366, description="window for alerts and online hours")] = 30,
) -> Page[SiteStatsItem]:
    """Sort by ``name``, ``alerts``, ``rate`` (rectification; "—" lowest) or ``online`` (share of hours);
    a leading ``-`` sorts downwards."""
    ids = queries.site_ids(session, principal, region_id)
    if kind:
        ids = ids.where(Site.kind == kind)
    if q and q.strip():
        needle = f"%{q.strip()}%"
        ids = ids.where(Site.name.ilike(needle) | Site.code.ilike(needle))
    return site_list(session, settings, ids, now, days=days, params=params, sort=sort, online=online)
