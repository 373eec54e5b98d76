"""Dataset versions: every reviewed frame of a task in the caller's scope, frozen with its boxes at that moment
and split by group (a site and its local day, or the group an import gave), so the same minute of the same
kitchen is never in two splits. A dataset is seen by people who see the whole region it was made in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal, region_path_clause
from brightkitchen.platform.labelling.images import person_name
from brightkitchen.platform.labelling.models import REVIEWED, Dataset, DatasetItem, LabelImage
from brightkitchen.platform.labelling.schemas import DatasetCreate, DatasetPublic, SourcePublic, SplitCounts
from brightkitchen.platform.labelling.vocab import Task, vocabulary
from brightkitchen.platform.problems import Problem, not_found
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.tenancy import site_scope
from brightkitchen.training.splits import SPLITS, Split, site_day_group, split_groups


@dataclass(frozen=True)
class Entry:
    """One image as a version freezes it."""

    image: LabelImage
    site_code: str
    day: str
    group: str
    split: Split | None = None  # None: the version's seeded group split decides


def local_day(when: datetime, tz: ZoneInfo) -> str:
    return when.astimezone(tz).date().isoformat()


def scope_path(principal: Principal) -> str:
    """The region subtree a dataset made by this person covers ("" for the whole platform)."""
    return "" if principal.is_admin else principal.region_path or ""


def dataset_scope(principal: Principal) -> ColumnElement[bool]:
    """Datasets whose whole region lies in the caller's scope: a district never sees the city's mix."""
    return region_path_clause(principal, Dataset.scope_path)


def visible_dataset(session: Session, principal: Principal, dataset_id: int) -> Dataset:
    row = session.scalar(select(Dataset).where(Dataset.id == dataset_id, dataset_scope(principal)))
    if row is None:
        raise not_found("dataset")
    return row


def to_public(ds: Dataset) -> DatasetPublic:
    return DatasetPublic(
        id=ds.id,
        name=ds.name,
        version=ds.version,
        task=Task(ds.task),
        created_at=ds.created_at,
        created_by_name=ds.created_by_name,
        seed=ds.seed,
        images=ds.images,
        boxes=ds.boxes,
        splits=SplitCounts(**{s: int(ds.splits.get(s, 0)) for s in SPLITS}),
        labels=dict(ds.labels),
        sources=[SourcePublic(**s) for s in ds.sources],
    )


def list_datasets(session: Session, principal: Principal, task: Task | None) -> list[DatasetPublic]:
    stmt = select(Dataset).where(dataset_scope(principal))
    if task is not None:
        stmt = stmt.where(Dataset.task == task)
    return [to_public(ds) for ds in session.scalars(stmt.order_by(Dataset.id.desc()))]


def reviewed_entries(session: Session, principal: Principal, task: Task, tz: ZoneInfo) -> list[Entry]:
    """Every reviewed image of the task the caller may see, with its group."""
    rows = session.execute(
        select(LabelImage, Site.code)
        .join(Site, Site.id == LabelImage.site_id)
        .where(site_scope(principal), LabelImage.task == task, LabelImage.status.in_(REVIEWED))
        .order_by(LabelImage.id)
    ).all()
    entries = []
    for image, site_code in rows:
        day = local_day(image.captured_at, tz)
        entries.append(Entry(image, site_code, day, image.group_key or site_day_group(site_code, day)))
    return entries


def _summary(task: Task, items: Sequence[DatasetItem]) -> dict[str, Any]:
    labels = Counter(str(b["label"]) for item in items for b in item.boxes)
    splits = Counter(item.split for item in items)
    sources = Counter((item.origin, item.licence, item.attribution) for item in items)
    return {
        "images": len(items),
        "boxes": sum(labels.values()),
        "splits": {s: splits.get(s, 0) for s in SPLITS},
        "labels": {name: labels.get(name, 0) for name in vocabulary(task).names},
        "sources": [
            {"source": o, "licence": lic, "attribution": a, "images": n}
            for (o, lic, a), n in sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }


def save_version(
    session: Session,
    principal: Principal,
    *,
    name: str,
    task: Task,
    seed: int,
    fractions: Sequence[float],
    entries: Sequence[Entry],
    now: datetime,
) -> Dataset:
    """The next version of ``name`` in the caller's scope, holding ``entries`` as they are now."""
    if not entries:
        raise Problem(422, "Nothing to freeze", f"there is no reviewed {task} image to put in a dataset", code="empty")
    shares = (float(fractions[0]), float(fractions[1]), float(fractions[2]))
    cut = split_groups([e.group for e in entries if e.split is None], seed, shares)
    path = scope_path(principal)
    latest = session.scalar(select(func.max(Dataset.version)).where(Dataset.scope_path == path, Dataset.name == name))
    items = [
        DatasetItem(
            image_id=e.image.id,
            split=e.split or cut[e.group],
            group_key=e.group[:200],
            status=e.image.status,
            boxes=list(e.image.boxes or []),
            site_code=e.site_code,
            day=e.day,
            origin=e.image.origin,
            licence=e.image.licence,
            attribution=e.image.attribution,
        )
        for e in entries
    ]
    ds = Dataset(
        name=name,
        version=(latest or 0) + 1,
        task=task,
        scope_path=path,
        seed=seed,
        fractions=list(shares),
        created_at=now,
        created_by=principal.id,
        created_by_name=person_name(session, principal),
        **_summary(task, items),
    )
    session.add(ds)
    session.flush()
    for item in items:
        item.dataset_id = ds.id
    session.add_all(items)
    session.flush()
    return ds


def create(session: Session, principal: Principal, body: DatasetCreate, tz: ZoneInfo, now: datetime) -> Dataset:
    entries = reviewed_entries(session, principal, body.task, tz)
    return save_version(
        session,
        principal,
        name=body.name,
        task=body.task,
        seed=body.seed,
        fractions=body.fractions,
        entries=entries,
        now=now,
    )
