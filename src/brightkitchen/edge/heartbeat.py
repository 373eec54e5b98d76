"""The status a device reports every ``heartbeat_interval_s``, and the thread that sends it.

The same thread polls the platform for configuration changes: both are slow, periodic conversations
with the platform that must never hold up analysis or uploads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import httpx

from brightkitchen.edge.platform_client import PlatformClient
from brightkitchen.protocol import Heartbeat

log = logging.getLogger(__name__)


class HeartbeatLoop:
    def __init__(
        self,
        client: PlatformClient,
        build: Callable[[], Heartbeat],
        interval_s: Callable[[], float],
        poll_config: Callable[[], None] | None = None,
        config_every_s: float = 300.0,
        after_beat: Callable[[], None] | None = None,
    ) -> None:
        self.client, self.build, self.interval_s = client, build, interval_s
        self.after_beat = after_beat  # e.g. answering a test-alert request
        self.poll_config, self.config_every_s = poll_config, config_every_s
        self.sent = 0
        self.failed = 0
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def send_once(self) -> bool:
        try:
            resp = self.client.post_heartbeat(self.build())
            ok = resp.status_code in (200, 201, 202, 204)
            self.last_error = None if ok else f"HTTP {resp.status_code}"
        except (httpx.HTTPError, OSError) as exc:
            ok, self.last_error = False, f"{type(exc).__name__}: {exc}"
        if ok:
            self.sent += 1
        else:
            self.failed += 1
            log.warning("heartbeat not accepted: %s", self.last_error)
        return ok

    def _run(self) -> None:
        since_config = self.config_every_s  # poll the configuration at once on start
        while not self._stop.is_set():
            if self.poll_config is not None and since_config >= self.config_every_s:
                since_config = 0.0
                try:
                    self.poll_config()
                except (httpx.HTTPError, OSError, ValueError) as exc:
                    log.warning("device config not fetched: %s", exc)
            if self.send_once() and self.after_beat is not None:
                try:
                    self.after_beat()
                except (httpx.HTTPError, OSError, ValueError) as exc:
                    log.warning("test-alert request not checked: %s", exc)
            interval = self.interval_s()
            since_config += interval
            self._stop.wait(interval)
