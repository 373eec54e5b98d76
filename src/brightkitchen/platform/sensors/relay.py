"""POST /device/sensors/readings: the edge relays sensors it hears on the school network. A key with no
enabled sensor at the device's own site is logged and reported back, never stored and never an error."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from fastapi import APIRouter, Request, status
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from brightkitchen.platform.deps import NowDep
from brightkitchen.platform.device_api.auth import Credentials, authenticate
from brightkitchen.platform.device_api.docs import refusals
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.sensors.ingest import Malformed, Reading, aware, check_time, locked_sensor, store
from brightkitchen.platform.sensors.schemas import RelayBatch, RelayResult

router = APIRouter(prefix="/device", tags=["device"])
log = logging.getLogger(__name__)


def _grouped(body: RelayBatch, now: datetime) -> dict[str, list[Reading]]:
    by_key: dict[str, list[Reading]] = defaultdict(list)
    for i, r in enumerate(body.readings):
        at = aware(r.at)
        try:
            check_time(at, now)
        except Malformed as exc:
            field = f"readings.{i}.at"
            raise Problem(422, "Invalid request", f"invalid value for '{field}': {exc}", code="invalid",
                          errors=[{"field": field, "message": str(exc), "type": "value_error"}]) from exc  # fmt: skip
        by_key[r.key].append(Reading(r.value, at))
    return by_key


def _relay(
    request: Request, creds: HTTPAuthorizationCredentials | None, body: RelayBatch, now: datetime
) -> RelayResult:
    ctx = request.app.state.ctx
    accepted, unknown = 0, []
    with ctx.sessions() as session:
        device = authenticate(request, session, creds)
        by_key = _grouped(body, now)
        for key in sorted(by_key):  # one lock order for every batch: two relays never deadlock
            sensor = locked_sensor(session, device.site_id, None, key)
            if sensor is None or not sensor.enabled:
                unknown.append(key)
                continue
            store(session, ctx.settings, sensor, by_key[key])
            accepted += len(by_key[key])
        session.commit()
    if unknown:
        log.warning("device %s relayed readings for unknown sensors: %s", device.id, ", ".join(unknown[:20]))
    return RelayResult(accepted=accepted, unknown_keys=unknown)


@router.post(
    "/sensors/readings",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RelayResult,
    summary="Relay sensor readings heard by the edge",
    responses=refusals(401, 403, 422, 429, 503),
)
async def relay_readings(request: Request, body: RelayBatch, creds: Credentials, now: NowDep) -> RelayResult:
    return await run_in_threadpool(_relay, request, creds, body, now)
