"""Field types and checks shared by request bodies: ids the database can hold, and PATCH bodies without null
where a column cannot be empty."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import Field

INT8_MAX = 2**63 - 1

# A row id: positive and within the 64-bit column every id lives in.
Id = Annotated[int, Field(ge=1, le=INT8_MAX)]


def refuse_nulls(data: Any, nullable: Iterable[str] = ()) -> Any:
    """For a ``mode="before"`` model validator of a PATCH body: an explicit null is 422 unless the field may be
    empty (leaving a field out is how a PATCH keeps it)."""
    if isinstance(data, dict):
        allowed = set(nullable)
        nulls = sorted(str(k) for k, v in data.items() if v is None and k not in allowed)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null; leave a field out to keep it")
    return data
