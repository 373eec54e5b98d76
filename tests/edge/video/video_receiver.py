"""A small real HTTP platform for the video endpoints: the demand long-poll, live and playback segments, done.

It checks the bearer key and the segment headers, records everything it got, and can be stopped and started
again on the same port (stopped: the platform is down, connection refused).
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse

from brightkitchen.protocol.video import SEGMENT_HEADERS, PlaybackDone, SegmentMeta, VideoDemand
from tests.edge.pipeline.receiver import PortServer

KEY = "video-device-key"


@dataclass
class Got:
    mono: float  # when it arrived (time.monotonic)
    seq: int
    meta: SegmentMeta
    data: bytes


@dataclass
class VideoState:
    demand: VideoDemand = field(default_factory=lambda: VideoDemand(version="v0"))
    live: dict[str, list[Got]] = field(default_factory=dict)
    playback: dict[str, list[Got]] = field(default_factory=dict)
    done: dict[str, PlaybackDone] = field(default_factory=dict)
    polls: list[str | None] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def set_demand(self, live: list[str] | None = None, playback: list[dict[str, object]] | None = None) -> None:
        with self.lock:
            n = int(self.demand.version.removeprefix("v")) + 1
            self.demand = VideoDemand.model_validate(
                {"version": f"v{n}", "live": live or [], "playback": playback or []}
            )


def _meta(request: Request) -> SegmentMeta:
    h = request.headers
    assert h["content-type"] == "video/mp2t"
    return SegmentMeta(
        start=datetime.fromisoformat(h[SEGMENT_HEADERS["start"]]),
        duration_s=float(h[SEGMENT_HEADERS["duration_s"]]),
        discontinuity=h[SEGMENT_HEADERS["discontinuity"]] == "1",
    )


def build_app(state: VideoState) -> FastAPI:
    app = FastAPI()

    def refused(authorization: str | None) -> Response | None:
        return None if authorization == f"Bearer {KEY}" else JSONResponse({"detail": "bad key"}, status_code=401)

    @app.get("/api/v1/device/video/demand")
    async def demand(
        wait_s: float = 25.0, after: str | None = None, authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        if (bad := refused(authorization)) is not None:
            return bad
        state.polls.append(after)
        deadline = time.monotonic() + wait_s
        try:
            while state.demand.version == after and time.monotonic() < deadline:
                await asyncio.sleep(0.02)  # the test thread changes the demand; answer as soon as it does
        except asyncio.CancelledError:  # the receiver is stopping under a poll in flight
            return Response(status_code=503)
        return Response(state.demand.model_dump_json(), media_type="application/json")

    @app.put("/api/v1/device/cameras/{camera_key}/live/{seq}")
    async def live(camera_key: str, seq: int, request: Request,
                   authorization: Annotated[str | None, Header()] = None) -> Response:  # fmt: skip
        if (bad := refused(authorization)) is not None:
            return bad
        got = Got(time.monotonic(), seq, _meta(request), await request.body())
        with state.lock:
            state.live.setdefault(camera_key, []).append(got)
        return Response(status_code=204)

    @app.put("/api/v1/device/playback/{request_id}/segments/{seq}")
    async def playback(request_id: str, seq: int, request: Request,
                       authorization: Annotated[str | None, Header()] = None) -> Response:  # fmt: skip
        if (bad := refused(authorization)) is not None:
            return bad
        got = Got(time.monotonic(), seq, _meta(request), await request.body())
        with state.lock:
            state.playback.setdefault(request_id, []).append(got)
        return Response(status_code=204)

    @app.post("/api/v1/device/playback/{request_id}/done")
    async def done(request_id: str, request: Request,
                   authorization: Annotated[str | None, Header()] = None) -> Response:  # fmt: skip
        if (bad := refused(authorization)) is not None:
            return bad
        with state.lock:
            state.done[request_id] = PlaybackDone.model_validate_json(await request.body())
        return Response(status_code=204)

    return app


class VideoReceiver(PortServer):
    """The device API's video endpoints (demand long-poll, live and playback segments), recorded in ``state``."""

    name = "video receiver"
    force_exit = True  # do not wait for long-polls in flight

    def __init__(self, port: int | None = None) -> None:
        super().__init__(port)
        self.state = VideoState()

    def app(self) -> FastAPI:
        return build_app(self.state)
