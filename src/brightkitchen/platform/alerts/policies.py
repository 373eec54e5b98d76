"""Deadline policies: hours to rectify and to escalate, per region subtree and violation code."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from brightkitchen.platform.alerts.models import DeadlinePolicy
from brightkitchen.platform.alerts.schemas import DeadlinePolicyCreate, DeadlinePolicyPublic
from brightkitchen.platform.authz import region_path_clause
from brightkitchen.platform.deps import RegionStaffDep, SessionDep
from brightkitchen.platform.problems import Problem, not_found
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.tenancy import can_see_region
from brightkitchen.protocol.codes import ViolationCode

router = APIRouter(prefix="/deadline-policies", tags=["alerts"])


@router.get("", response_model=list[DeadlinePolicyPublic])
def list_policies(principal: RegionStaffDep, session: SessionDep) -> list[DeadlinePolicyPublic]:
    rows = session.scalars(
        select(DeadlinePolicy)
        .join(Region, Region.id == DeadlinePolicy.region_id)
        .where(region_path_clause(principal, Region.path))
        .order_by(DeadlinePolicy.region_id, DeadlinePolicy.code)
    )
    return [DeadlinePolicyPublic.model_validate(p) for p in rows]


@router.put("", response_model=DeadlinePolicyPublic, summary="Create or replace the policy for a region and code")
def put_policy(body: DeadlinePolicyCreate, principal: RegionStaffDep, session: SessionDep) -> DeadlinePolicyPublic:
    if not can_see_region(session, principal, body.region_id):
        raise not_found("region")
    if body.code != "*" and body.code not in ViolationCode.__members__:
        raise Problem(
            422, "Invalid request", "unknown violation code", errors=[{"field": "code", "message": "unknown"}]
        )
    if body.escalate_hours < body.rectify_hours:
        raise Problem(422, "Invalid request", "escalation cannot come before the rectify deadline",
                      errors=[{"field": "escalate_hours", "message": "must be >= rectify_hours"}])  # fmt: skip
    policy = session.scalar(
        select(DeadlinePolicy).where(DeadlinePolicy.region_id == body.region_id, DeadlinePolicy.code == body.code)
    )
    if policy is None:
        policy = DeadlinePolicy(region_id=body.region_id, code=body.code)
        session.add(policy)
    policy.rectify_hours, policy.escalate_hours = body.rectify_hours, body.escalate_hours
    session.flush()
    return DeadlinePolicyPublic.model_validate(policy)


@router.delete("/{policy_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_policy(policy_id: int, principal: RegionStaffDep, session: SessionDep) -> None:
    policy = session.get(DeadlinePolicy, policy_id)
    if policy is None or not can_see_region(session, principal, policy.region_id):
        raise not_found("deadline policy")
    session.delete(policy)
