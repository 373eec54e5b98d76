"""Two people taking the same step at the same moment: one wins, the other is told the state moved on."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.concerns.models import Concern, ConcernStep
from brightkitchen.platform.context import PlatformContext
from tests import factories as f
from tests.support import running_server


def test_simultaneous_handles_record_one_step(ctx: PlatformContext, session: Session) -> None:
    w = f.world(session)
    w.site_a1.public_page = True
    session.commit()
    other = PlatformContext.build(ctx.settings)  # a second worker process, with its own engine
    try:
        with running_server(create_app(ctx=ctx)) as one, running_server(create_app(ctx=other)) as two:
            assert httpx.post(f"{one}/api/v1/public/sites/A1/concerns", json={"text": "问题"}).status_code == 201
            cid = session.scalar(select(Concern.id))
            people = [f.bearer(session, "sa_a1"), f.bearer(session, "reg_a")] * 4
            bases = [one, two] * 4

            def handle(i: int) -> int:
                url = f"{bases[i]}/api/v1/concerns/{cid}/handle"
                return httpx.post(url, json={"note": f"第 {i} 人"}, headers=people[i], timeout=60).status_code

            with ThreadPoolExecutor(8) as pool:
                answers = Counter(pool.map(handle, range(8)))
    finally:
        other.engine.dispose()
    assert answers == {200: 1, 409: 7}, answers
    session.expire_all()
    handled = select(func.count(ConcernStep.id)).where(ConcernStep.action == "handle")
    assert session.scalar(handled) == 1
