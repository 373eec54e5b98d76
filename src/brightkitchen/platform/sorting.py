"""``?sort=name`` / ``?sort=-created_at`` on a list: one named column up or down, then the id, so pages are stable."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Query
from sqlalchemy import Select

from brightkitchen.platform.problems import Problem

SortParam = Annotated[
    str | None,
    Query(max_length=40, pattern=r"^-?[a-z_]+$", description="a column to sort by; a leading '-' sorts downwards"),
]


def sorted_by(stmt: Select[Any], sort: str | None, columns: Mapping[str, Any], tiebreak: Any) -> Select[Any]:
    """``stmt`` ordered by the named column (422 for a name the list does not sort by), then by ``tiebreak``."""
    if not sort:
        return stmt.order_by(tiebreak)
    name = sort.removeprefix("-")
    column = columns.get(name)
    if column is None:
        allowed = ", ".join(sorted(columns))
        message = f"sort by one of: {allowed}"
        raise Problem(422, "Invalid request", message, errors=[{"field": "sort", "message": message}], code="invalid")
    descending = sort.startswith("-")
    return stmt.order_by(column.desc() if descending else column.asc(), tiebreak.desc() if descending else tiebreak)
