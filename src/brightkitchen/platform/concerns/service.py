"""Concerns: taking one in with its receipt, the staff's list and detail (contact masked for a school), the handling
steps, and the lookup by receipt code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, and_, select, update
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.concerns import masking, receipts, rules
from brightkitchen.platform.concerns.models import Concern, ConcernState, ConcernStep
from brightkitchen.platform.concerns.schemas import (
    ConcernDetail,
    ConcernPublic,
    ConcernStepPublic,
    ReceiptLookup,
    ReceiptStep,
)
from brightkitchen.platform.problems import Problem, not_found
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.sorting import sorted_by
from brightkitchen.platform.tenancy import get_visible, site_scope
from brightkitchen.platform.users.models import User

SORTS = {"created_at": Concern.created_at, "updated_at": Concern.updated_at, "state": Concern.state}


def create(
    session: Session, site: Site, *, name: str, phone: str, text: str, client: str, now: datetime
) -> tuple[Concern, str]:
    """Stores a new concern with its first step; returns it and its receipt code (the only time the code exists)."""
    code = receipts.new_code()
    concern = Concern(site_id=site.id, name=name, phone=phone, text=text, client_hash=client, created_at=now,
                      updated_at=now, receipt_digest=receipts.digest(code), state=ConcernState.received)  # fmt: skip
    session.add(concern)
    session.flush()
    session.add(ConcernStep(concern_id=concern.id, at=now, action="receive", actor_kind="public",
                            to_state=ConcernState.received))  # fmt: skip
    session.flush()
    return concern, code


@dataclass(frozen=True)
class ConcernFilters:
    site_id: int | None = None
    state: ConcernState | None = None
    since: datetime | None = None
    until: datetime | None = None
    sort: str | None = None


def list_query(principal: Principal, filters: ConcernFilters) -> Select[Any]:
    stmt = select(Concern, Site).join(Site, Site.id == Concern.site_id).where(site_scope(principal))
    if filters.site_id is not None:
        stmt = stmt.where(Concern.site_id == filters.site_id)
    if filters.state is not None:
        stmt = stmt.where(Concern.state == filters.state)
    if filters.since is not None:
        stmt = stmt.where(Concern.created_at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(Concern.created_at < filters.until)
    # sorted_by is typed for one-entity selects; this one has two, which ordering does not care about.
    return sorted_by(cast("Select[Any]", stmt), filters.sort or "-created_at", SORTS, Concern.id)


def sees_full_contact(principal: Principal) -> bool:
    """The regulator and the admin see who complained; a school sees the contact masked."""
    return principal.has_role(*rules.REGULATORS)


def to_public(concern: Concern, site: Site, principal: Principal) -> ConcernPublic:
    full = sees_full_contact(principal)
    return ConcernPublic(
        id=concern.id, site_id=site.id, site_code=site.code, site_name=site.name,
        name=concern.name if full else masking.mask_name(concern.name),
        phone=concern.phone if full else masking.mask_phone(concern.phone),
        contact_masked=not full,
        text=concern.text if full else masking.mask_text(concern.text),
        state=ConcernState(concern.state), reply=concern.reply, created_at=concern.created_at,
        updated_at=concern.updated_at, replied_at=concern.replied_at, closed_at=concern.closed_at,
    )  # fmt: skip


def get(session: Session, principal: Principal, concern_id: int) -> tuple[Concern, Site]:
    concern = get_visible(session, principal, Concern, concern_id, "concern")
    site = session.get(Site, concern.site_id)
    assert site is not None  # the scope join found it
    return concern, site


def detail(session: Session, principal: Principal, concern: Concern, site: Site) -> ConcernDetail:
    rows = session.execute(
        select(ConcernStep, User.display_name, User.username)
        .outerjoin(User, and_(ConcernStep.actor_kind == "user", User.id == ConcernStep.actor_id))
        .where(ConcernStep.concern_id == concern.id)
        .order_by(ConcernStep.id)
    ).all()
    steps = [
        ConcernStepPublic.model_validate(step).model_copy(update={"actor_name": shown or username})
        for step, shown, username in rows
    ]
    return ConcernDetail(**to_public(concern, site, principal).model_dump(), steps=steps)


def _wrong_state(concern: Concern, action: str) -> Problem:
    return Problem(409, "Conflict", f"a concern in state '{concern.state}' cannot take the step '{action}'",
                   code="concern_wrong_state")  # fmt: skip


def take_step(
    session: Session,
    principal: Principal,
    concern: Concern,
    action: str,
    now: datetime,
    *,
    note: str = "",
    reply: str | None = None,
) -> Concern:
    """Moves the concern one step, records who did it, and refuses a step its state or the caller's role forbids."""
    step = rules.STEPS[action]
    if principal.role not in step.roles:
        raise Problem(403, "Forbidden", f"only the regulator may take the step '{action}'",
                      code="concern_regulator_only")  # fmt: skip
    current = concern.state
    if current not in step.sources:
        raise _wrong_state(concern, action)
    values: dict[str, Any] = {"state": step.target, "updated_at": now}
    if reply is not None:
        values.update(reply=reply, replied_at=now)
    if step.target == ConcernState.closed:
        values["closed_at"] = now
    if action == "reopen":
        values["closed_at"] = None
    # Only from the state read: a second person acting at the same moment gets a 409, not a silent overwrite.
    moved = session.execute(update(Concern).where(Concern.id == concern.id, Concern.state == current).values(**values))
    if getattr(moved, "rowcount", 0) != 1:
        session.refresh(concern)
        raise _wrong_state(concern, action)
    session.add(ConcernStep(concern_id=concern.id, at=now, action=action, actor_kind="user", actor_id=principal.id,
                            actor_role=str(principal.role), from_state=current, to_state=step.target,
                            note=reply if reply is not None else note))  # fmt: skip
    session.flush()
    session.refresh(concern)
    return concern


def lookup(session: Session, raw_code: str) -> ReceiptLookup:
    """The concern behind a receipt code; anything else (a malformed code, an unknown one) is the same 404."""
    code = receipts.normalise(raw_code)
    row = (
        session.execute(
            select(Concern, Site.name)
            .join(Site, Site.id == Concern.site_id)
            .where(Concern.receipt_digest == receipts.digest(code))
        ).first()
        if code
        else None
    )
    if row is None:
        raise not_found("concern")
    concern, site_name = row
    state = ConcernState(concern.state)
    steps = session.execute(
        select(ConcernStep.to_state, ConcernStep.at)
        .where(ConcernStep.concern_id == concern.id)
        .order_by(ConcernStep.id)
    ).all()
    shown = state in rules.REPLY_SHOWN
    return ReceiptLookup(
        site_name=site_name, state=state, received_at=concern.created_at,
        steps=[ReceiptStep(state=ConcernState(s), at=at) for s, at in steps],
        reply=concern.reply if shown else "", replied_at=concern.replied_at if shown else None,
        closed_at=concern.closed_at,
    )  # fmt: skip
