"""GET /rollout/device/test-request: the installer's pending "send test alert" for the device's site.
The path stays under /rollout (a contract with deployed edges); the endpoint lives with the device API."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from brightkitchen.platform.deps import NowDep, SessionDep
from brightkitchen.platform.device_api.ratelimit import LimitedDeviceDep
from brightkitchen.platform.rollout import actions
from brightkitchen.platform.rollout.schemas import AlertTestRequestPublic

router = APIRouter(prefix="/rollout", tags=["rollout"])


@router.get(
    "/device/test-request",
    response_model=AlertTestRequestPublic,
    summary="For edge devices: the pending test request of its site (204 when none)",
    responses={204: {"description": "nothing to test"}},
)
def device_test_request(device: LimitedDeviceDep, session: SessionDep, now: NowDep) -> Response:
    assert device.site_id is not None
    req = actions.pending_for_device(session, device.site_id, now)
    if req is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    body = AlertTestRequestPublic.model_validate(req).model_dump_json()
    return Response(body, media_type="application/json")
