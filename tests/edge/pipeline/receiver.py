"""A small real HTTP receiver speaking the platform's device API, for uploader and agent tests.

It checks the bearer key, every evidence part against the event's sha256 and size, and deduplicates by
``event_id`` the way the platform does (201 new, 200 duplicate). ``mode`` makes it misbehave on purpose.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated, Self

import uvicorn
from fastapi import FastAPI, File, Form, Header, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from brightkitchen.protocol import DeviceConfig, Heartbeat, ViolationEvent

KEY = "test-device-key"


@dataclass
class Received:
    events: dict[str, ViolationEvent] = field(default_factory=dict)
    posts: list[str] = field(default_factory=list)  # every accepted POST, duplicates included
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)
    heartbeats: list[Heartbeat] = field(default_factory=list)
    config_gets: list[str | None] = field(default_factory=list)


def build_app(state: Received, control: dict[str, object]) -> FastAPI:
    app = FastAPI()

    def refused(authorization: str | None) -> Response | None:
        if control.get("mode") == "auth" or authorization != f"Bearer {KEY}":
            return JSONResponse({"detail": "bad key"}, status_code=401)
        return None

    @app.post("/api/v1/device/events")
    async def events(
        event: Annotated[str, Form()],
        snapshot: Annotated[UploadFile, File()],
        clip: Annotated[UploadFile, File()],
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        delay = float(control.get("delay_s", 0.0))  # type: ignore[arg-type]
        if delay:
            time.sleep(delay)  # runs in the loop thread on purpose: a slow platform
        if (bad := refused(authorization)) is not None:
            return bad
        mode = control.get("mode")
        if mode == "busy":
            return JSONResponse({"detail": "busy"}, status_code=503, headers={"Retry-After": "1"})
        if mode == "reject":
            return JSONResponse({"detail": "unprocessable"}, status_code=422)
        ev = ViolationEvent.model_validate_json(event)
        parts = {"snapshot": await snapshot.read(), "clip": await clip.read()}
        for ref in ev.evidence:
            data = parts[ref.kind.value]
            if hashlib.sha256(data).hexdigest() != ref.sha256 or len(data) != ref.size:
                return JSONResponse({"detail": f"{ref.kind} does not match"}, status_code=422)
        state.posts.append(ev.event_id)
        duplicate = ev.event_id in state.events
        if not duplicate:
            state.events[ev.event_id] = ev
            state.files[ev.event_id] = parts
        after = float(control.get("delay_after_s", 0.0))  # type: ignore[arg-type]
        if after:
            time.sleep(after)  # stored but not yet acknowledged: where a crash makes a retry a duplicate
        return JSONResponse({"alert_id": ev.event_id, "duplicate": duplicate}, status_code=200 if duplicate else 201)

    @app.post("/api/v1/device/heartbeats")
    async def heartbeats(request: Request, authorization: Annotated[str | None, Header()] = None) -> Response:
        if (bad := refused(authorization)) is not None:
            return bad
        state.heartbeats.append(Heartbeat.model_validate_json(await request.body()))
        return Response(status_code=204)

    @app.get("/api/v1/device/config")
    async def config(
        if_none_match: Annotated[str | None, Header()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        if (bad := refused(authorization)) is not None:
            return bad
        state.config_gets.append(if_none_match)
        doc = control.get("config")
        if not isinstance(doc, DeviceConfig):
            return JSONResponse({"detail": "no config"}, status_code=404)
        if if_none_match == doc.version:
            return Response(status_code=304)
        return Response(doc.model_dump_json(), media_type="application/json", headers={"ETag": doc.version})

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PortServer:
    """A real uvicorn server in a thread on a fixed port that can be stopped and started again: stopped, the
    platform is down (connection refused). Subclasses say which app it serves."""

    name = "receiver"
    force_exit = False  # True: do not wait for requests in flight (long-polls) on stop

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> FastAPI:
        raise NotImplementedError

    def start(self) -> Self:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        config = uvicorn.Config(self.app(), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server and self._thread:
            self._server.should_exit = True
            self._server.force_exit = self.force_exit
            self._thread.join(10)
        self._server = self._thread = None


class Receiver(PortServer):
    """The device API's events and heartbeats, recorded in ``state``; ``control`` steers its answers."""

    def __init__(self, port: int | None = None) -> None:
        super().__init__(port)
        self.state = Received()
        self.control: dict[str, object] = {}

    def app(self) -> FastAPI:
        return build_app(self.state, self.control)
