"""Batched statements whose text does not grow with the batch, for PostgreSQL: ``id = ANY(:ids)`` instead of
``IN (:id_1, ..., :id_2000)``, and rows passed as one array per column and spread by ``unnest``.

An ``IN`` list or an executemany of 2,000 rows costs the client a new query text to convert and the server
2,000 statements to run; with arrays the text is the same every time (psycopg prepares it after a few uses) and
the server runs one statement. Other databases get the plain forms (SQLite runs in-process: nothing to save)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.expression import Subquery
from sqlalchemy.types import TypeEngine


def among(column: Any, ids: Sequence[Any], postgres: bool, name: str = "among") -> ColumnElement[bool]:
    """``column IN ids``: on PostgreSQL as ``column = ANY(:name)``, one array parameter."""
    if not postgres:
        return column.in_(list(ids))
    return column == any_(bindparam(name, list(ids), type_=ARRAY(column.type)))


def rows_of(name: str, columns: dict[str, tuple[TypeEngine[Any], Sequence[Any]]]) -> Subquery:
    """PostgreSQL: the rows ``zip(*values)`` as a subquery ``name`` with one column per key, from one array
    parameter per column (``unnest`` of several arrays of the same length zips them)."""
    lengths = {len(values) for _, values in columns.values()}
    assert len(lengths) == 1, "every column needs one value per row"
    spread = [
        func.unnest(bindparam(f"{name}_{key}", list(values), type_=ARRAY(type_))).label(key)
        for key, (type_, values) in columns.items()
    ]
    return select(*spread).subquery(name)
