"""Offset pagination shared by every list endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

# page × size stays far inside any database's OFFSET range; nobody pages a million pages by hand.
MAX_PAGE = 1_000_000


class PageParams(BaseModel):
    page: int = 1
    size: int = 50


def page_params(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number")] = 1,
    size: Annotated[int, Query(ge=1, le=500, description="items per page")] = 50,
) -> PageParams:
    return PageParams(page=page, size=size)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int

    @classmethod
    def of(cls, items: Sequence[T], total: int, params: PageParams) -> Page[T]:
        return cls(items=list(items), total=total, page=params.page, size=params.size)


# Any select, whatever its columns (Select is generic over a tuple of column types).
AnySelect = TypeVar("AnySelect", bound="Select[*tuple[Any, ...]]")


def count_rows(session: Session, stmt: Select[*tuple[Any, ...]]) -> int:
    """How many rows ``stmt`` would return over all pages."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def one_page(stmt: AnySelect, params: PageParams) -> AnySelect:
    return stmt.limit(params.size).offset((params.page - 1) * params.size)


def paginate(session: Session, stmt: Select[Any], params: PageParams) -> tuple[list[Any], int]:
    """One page of a single-entity select, and the total."""
    return list(session.scalars(one_page(stmt, params)).all()), count_rows(session, stmt)
