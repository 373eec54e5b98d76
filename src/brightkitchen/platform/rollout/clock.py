"""The current time as a dependency, so tests can move the roll-out views' clock forward a day."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from brightkitchen.platform.db import utcnow


def get_now() -> datetime:
    return utcnow()


NowDep = Annotated[datetime, Depends(get_now)]
