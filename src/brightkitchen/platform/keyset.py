"""Keyset pages: an opaque cursor naming the sort and the last row's sort key and id, the WHERE clause that
resumes after it, and a total that is exact up to a limit and the planner's estimate past it.

Unlike an offset, a cursor costs the same on page 1 and on page 50,000: the index is entered at the key.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, TypeDecorator, and_, func, or_, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from brightkitchen.platform.problems import Problem


def _bad_cursor(message: str) -> Problem:
    return Problem(422, "Invalid request", message, errors=[{"field": "cursor", "message": message}], code="invalid")


def encode_cursor(sort: str, key: Any, row_id: int) -> str:
    """base64url of ``[sort, key, id]``; a datetime key travels as ISO 8601 with its zone."""
    value = key.isoformat() if isinstance(key, datetime) else key
    raw = json.dumps([sort, value, row_id], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(raw: str, sort: str, kind: type) -> tuple[Any, int]:
    """The key (as a ``kind``) and id in ``raw``; a 422 naming "cursor" when it is malformed or was made for
    another sort."""
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError):
        raise _bad_cursor("the cursor is not one this list gave out") from None
    if not (isinstance(data, list) and len(data) == 3 and isinstance(data[0], str)):
        raise _bad_cursor("the cursor is not one this list gave out")
    made_for, key, row_id = data
    if made_for != sort:
        raise _bad_cursor(f"the cursor was made for sort '{made_for}', not '{sort}'; start again without it")
    if type(row_id) is not int:
        raise _bad_cursor("the cursor is not one this list gave out")
    return _key(key, kind), row_id


def _key(key: Any, kind: type) -> Any:
    if kind is datetime and isinstance(key, str):
        try:
            parsed = datetime.fromisoformat(key)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    elif kind is float and type(key) in (int, float):
        return float(key)
    elif kind in (int, str) and type(key) is kind:
        return key
    raise _bad_cursor("the cursor's key does not fit the sort")


def key_type(column: Any) -> type:
    """The Python type of a column's values, looking through a TypeDecorator (UTCDateTime says ``object``)."""
    sql_type = column.type
    if isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl_instance
    return cast(type, sql_type.python_type)


def after(column: Any, key: Any, id_column: Any, row_id: int, descending: bool) -> ColumnElement[bool]:
    """Rows after (column, id) = (key, row_id) in the list's order. The redundant bound on ``column`` alone
    lets an index on (column, ...) start at the key instead of filtering from the top."""
    if column is id_column:
        return cast("ColumnElement[bool]", id_column < row_id if descending else id_column > row_id)
    if descending:
        return and_(column <= key, or_(column < key, id_column < row_id))
    return and_(column >= key, or_(column > key, id_column > row_id))


def custom_plans(session: Session, serial: bool = False) -> None:
    """PostgreSQL: plan this transaction's statements for their own values, and run them without JIT.

    psycopg prepares a statement once it has run five times on a connection, and PostgreSQL then may switch to
    one generic plan that ignores the values; for a list whose best path depends on how selective its filters
    are, or a join over a province's sites, that plan can read millions of rows. And a query over a month of a
    province's rollups costs enough to be JIT-compiled, which took longer (0.2 s) than running it. Both
    settings end with the transaction (the request). ``serial``: no parallel workers either, for statements whose
    groups PostgreSQL cannot estimate (the overview's union grouped by site: 200 groups guessed for 27,000, and
    a parallel partial aggregate with a sort and a gather took half as long again as one hash aggregate)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_SERIAL if serial else _CUSTOM)


_CUSTOM = text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true), set_config('jit', 'off', true)")
_SERIAL = text(
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), set_config('jit', 'off', true), "
    "set_config('max_parallel_workers_per_gather', '0', true)"
)


class _Explain(Executable, ClauseElement):
    """EXPLAIN (FORMAT JSON) of a select, executed with the select's own bound parameters."""

    inherit_cache = False

    def __init__(self, stmt: Select[Any]) -> None:
        self.stmt = stmt


@compiles(_Explain, "postgresql")
def _explain_pg(element: _Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.stmt, **kw)


def capped_total(session: Session, stmt: Select[Any], limit: int) -> tuple[int, bool]:
    """How many rows ``stmt`` returns, and whether that is an estimate: counted exactly up to ``limit`` (a
    LIMIT limit+1 subquery, so the cost stays bounded), past it the PostgreSQL planner's row estimate
    (never below what was counted). Elsewhere past the limit the answer is limit+1, flagged as an estimate."""
    stmt = stmt.order_by(None)
    counted = session.scalar(select(func.count()).select_from(stmt.limit(limit + 1).subquery())) or 0
    if counted <= limit:
        return counted, False
    if session.get_bind().dialect.name != "postgresql":
        return counted, True
    plan = session.execute(_Explain(stmt)).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return max(counted, int(plan[0]["Plan"]["Plan Rows"])), True
