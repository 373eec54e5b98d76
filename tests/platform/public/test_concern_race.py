"""The concern form's limit holds under simultaneous reports: counting and inserting happen under one lock."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.concerns.models import Concern
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.public import service
from tests import factories as f
from tests.support import running_server


def test_25_simultaneous_reports_let_only_the_limit_through(ctx: PlatformContext, session: Session) -> None:
    w = f.world(session)
    w.site_a1.public_page = True
    session.commit()
    other = PlatformContext.build(ctx.settings)  # a second worker process, with its own engine
    try:
        with running_server(create_app(ctx=ctx)) as one, running_server(create_app(ctx=other)) as two:
            bases = [one, two] * 13

            def report(i: int) -> int:
                url = f"{bases[i]}/api/v1/public/sites/A1/concerns"
                return httpx.post(url, json={"text": f"问题 {i}"}, timeout=60).status_code

            with ThreadPoolExecutor(25) as pool:
                answers = Counter(pool.map(report, range(25)))
    finally:
        other.engine.dispose()
    assert answers == {201: service.CONCERN_LIMIT, 429: 25 - service.CONCERN_LIMIT}, answers
    session.expire_all()
    assert session.scalar(select(func.count(Concern.id))) == service.CONCERN_LIMIT
