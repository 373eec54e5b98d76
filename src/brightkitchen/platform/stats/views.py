from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from brightkitchen.platform.deps import NowDep, SessionDep, SettingsDep, UserDep
from brightkitchen.platform.stats import queries, service
from brightkitchen.platform.stats.schemas import OverviewPublic, RankingPublic

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
    return service.overview(session, settings, ids, now)


@router.get("/ranking", response_model=RankingPublic, summary="Sites by score, best first (formula in the body)")
def ranking(
    now: NowDep,
    principal: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    region_id: Annotated[int | None, Query(description="only this region's subtree")] = None,
    days: Annotated[int, Query(ge=1, le=366, description="window for alert counts")] = 30,
) -> RankingPublic:
    ids = queries.site_ids(session, principal, region_id)
    return service.ranking(session, settings, ids, now, days)
