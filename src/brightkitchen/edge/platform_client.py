"""The device side of the platform API (``/api/v1/device/...``): events, heartbeats, configuration, models.

Only HTTP here; what a status code means for an event is the uploader's business.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import httpx

from brightkitchen import __version__
from brightkitchen.edge.outbox import OutboxItem
from brightkitchen.protocol import DeviceConfig, Heartbeat


@dataclass(frozen=True)
class ConfigFetch:
    config: DeviceConfig | None  # None: not modified (304)
    etag: str | None


class PlatformClient:
    def __init__(self, base_url: str, device_key: str, timeout_s: float = 30.0) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            headers={"Authorization": f"Bearer {device_key}", "User-Agent": f"brightkitchen-edge/{__version__}"},
        )

    def close(self) -> None:
        self._http.close()

    def post_event(self, item: OutboxItem) -> httpx.Response:
        """One multipart POST: ``event`` JSON plus each evidence file under its kind (snapshot, clip)."""
        with ExitStack() as stack:
            files: list[tuple[str, tuple[str | None, object, str]]] = [
                ("event", (None, item.payload, "application/json"))
            ]
            for f in item.files:
                files.append((f.kind, (f.path.name, stack.enter_context(f.path.open("rb")), f.content_type)))
            return self._http.post("/api/v1/device/events", files=files)  # type: ignore[arg-type]

    def post_heartbeat(self, heartbeat: Heartbeat) -> httpx.Response:
        return self._http.post(
            "/api/v1/device/heartbeats",
            content=heartbeat.model_dump_json(),
            headers={"Content-Type": "application/json"},
        )

    def put_picture(self, camera_key: str, jpeg: bytes) -> httpx.Response:
        return self._http.put(
            f"/api/v1/device/cameras/{camera_key}/picture", content=jpeg, headers={"Content-Type": "image/jpeg"}
        )

    def get_test_request(self) -> int | None:
        """The id of the installer's pending test-alert request for this site, if any (204: none)."""
        resp = self._http.get("/api/v1/rollout/device/test-request")
        if resp.status_code == 204:
            return None
        resp.raise_for_status()
        return int(resp.json()["id"])

    @contextmanager
    def open_model(self, sha256: str) -> Iterator[Iterator[bytes]]:
        """The bytes of an assigned model file, streamed (``GET /device/models/{sha256}``); raises on HTTP errors."""
        with self._http.stream("GET", f"/api/v1/device/models/{sha256}") as resp:
            resp.raise_for_status()
            yield resp.iter_bytes(1 << 16)

    def get_config(self, etag: str | None) -> ConfigFetch:
        headers = {"If-None-Match": etag} if etag else {}
        resp = self._http.get("/api/v1/device/config", headers=headers)
        if resp.status_code == 304:
            return ConfigFetch(None, etag)
        resp.raise_for_status()
        config = DeviceConfig.model_validate_json(resp.content)
        return ConfigFetch(config, resp.headers.get("ETag") or config.version)
