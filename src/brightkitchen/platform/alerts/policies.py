"""Policies per region subtree and violation code: deadlines (hours to rectify and to escalate) and episodes
(minimum duration and the gap that ends one). Admins and regulators (within their subtree) manage them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import DeadlinePolicy, EpisodePolicy
from brightkitchen.platform.alerts.schemas import (
    DeadlinePolicyCreate,
    DeadlinePolicyPublic,
    EpisodePolicyCreate,
    EpisodePolicyPublic,
)
from brightkitchen.platform.authz import Principal, region_path_clause
from brightkitchen.platform.deps import RegionStaffDep, SessionDep
from brightkitchen.platform.problems import Problem, not_found
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.tenancy import can_see_region
from brightkitchen.protocol.codes import ViolationCode

deadline_router = APIRouter(prefix="/deadline-policies", tags=["alerts"])
episode_router = APIRouter(prefix="/episode-policies", tags=["alerts"])


def _visible(session: Session, principal: Principal, model: Any) -> list[Any]:
    return list(
        session.scalars(
            select(model)
            .join(Region, Region.id == model.region_id)
            .where(region_path_clause(principal, Region.path))
            .order_by(model.region_id, model.code)
        )
    )


def _check_target(session: Session, principal: Principal, region_id: int, code: str) -> None:
    if not can_see_region(session, principal, region_id):
        raise not_found("region")
    if code != "*" and code not in ViolationCode.__members__:
        raise Problem(
            422,
            "Invalid request",
            "unknown violation code",
            errors=[{"field": "code", "message": "unknown"}],
            code="invalid",
        )


def _row(session: Session, model: Any, region_id: int, code: str) -> Any:
    row = session.scalar(select(model).where(model.region_id == region_id, model.code == code))
    if row is None:
        row = model(region_id=region_id, code=code)
        session.add(row)
    return row


def _delete(session: Session, principal: Principal, model: Any, policy_id: int, name: str) -> None:
    policy = session.get(model, policy_id)
    if policy is None or not can_see_region(session, principal, policy.region_id):
        raise not_found(name)
    session.delete(policy)


@deadline_router.get("", response_model=list[DeadlinePolicyPublic])
def list_policies(principal: RegionStaffDep, session: SessionDep) -> list[DeadlinePolicyPublic]:
    return [DeadlinePolicyPublic.model_validate(p) for p in _visible(session, principal, DeadlinePolicy)]


@deadline_router.put(
    "", response_model=DeadlinePolicyPublic, summary="Create or replace the policy for a region and code"
)
def put_policy(body: DeadlinePolicyCreate, principal: RegionStaffDep, session: SessionDep) -> DeadlinePolicyPublic:
    _check_target(session, principal, body.region_id, body.code)
    if body.escalate_hours < body.rectify_hours:
        message = "escalation cannot come before the rectify deadline"
        errors = [{"field": "escalate_hours", "message": "must be >= rectify_hours"}]
        raise Problem(422, "Invalid request", message, errors=errors, code="invalid")
    policy = _row(session, DeadlinePolicy, body.region_id, body.code)
    policy.rectify_hours, policy.escalate_hours = body.rectify_hours, body.escalate_hours
    session.flush()
    return DeadlinePolicyPublic.model_validate(policy)


@deadline_router.delete("/{policy_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_policy(policy_id: int, principal: RegionStaffDep, session: SessionDep) -> None:
    _delete(session, principal, DeadlinePolicy, policy_id, "deadline policy")


@episode_router.get("", response_model=list[EpisodePolicyPublic], summary="Episode policies in the caller's regions")
def list_episode_policies(principal: RegionStaffDep, session: SessionDep) -> list[EpisodePolicyPublic]:
    return [EpisodePolicyPublic.model_validate(p) for p in _visible(session, principal, EpisodePolicy)]


@episode_router.put(
    "", response_model=EpisodePolicyPublic, summary="Create or replace the episode policy for a region and code"
)
def put_episode_policy(
    body: EpisodePolicyCreate, principal: RegionStaffDep, session: SessionDep
) -> EpisodePolicyPublic:
    _check_target(session, principal, body.region_id, body.code)
    policy = _row(session, EpisodePolicy, body.region_id, body.code)
    policy.min_duration_s, policy.gap_s = body.min_duration_s, body.gap_s
    session.flush()
    return EpisodePolicyPublic.model_validate(policy)


@episode_router.delete("/{policy_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_episode_policy(policy_id: int, principal: RegionStaffDep, session: SessionDep) -> None:
    _delete(session, principal, EpisodePolicy, policy_id, "episode policy")


router = APIRouter()
router.include_router(deadline_router)
router.include_router(episode_router)
