"""The video side of the device API over HTTP: segment uploads, playback completion and the demand long-poll.

Two connection pools: the long-poll holds its connection for up to ``wait_s``, so it gets its own. Closing a
socket does not wake a thread blocked reading it, so the long-poll's connections are tracked and shut down
(``shutdown(SHUT_RDWR)``) to cut a poll short on ``stop``.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import typing

import httpcore
import httpx

from brightkitchen import __version__
from brightkitchen.protocol.video import (
    SEGMENT_CONTENT_TYPE,
    SEGMENT_HEADERS,
    PlaybackDone,
    SegmentMeta,
    VideoDemand,
    format_segment_start,
)


class _TrackedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, backend: _InterruptibleBackend) -> None:
        self._inner, self._backend = inner, backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._backend.forget(self)
        self._inner.close()

    def start_tls(
        self, ssl_context: typing.Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        self._backend.forget(self)
        return self._backend.track(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)

    def shutdown(self) -> None:
        sock = self._inner.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _InterruptibleBackend(httpcore.NetworkBackend):
    """httpcore's own sockets, remembered so that ``interrupt`` can wake a read blocked on one of them."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()
        self._lock = threading.Lock()
        self._streams: set[_TrackedStream] = set()

    def track(self, stream: httpcore.NetworkStream) -> _TrackedStream:
        tracked = _TrackedStream(stream, self)
        with self._lock:
            self._streams.add(tracked)
        return tracked

    def forget(self, stream: _TrackedStream) -> None:
        with self._lock:
            self._streams.discard(stream)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        return self.track(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Iterable[typing.Any] | None = None
    ) -> httpcore.NetworkStream:
        return self.track(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)

    def interrupt(self) -> None:
        with self._lock:
            streams = list(self._streams)
        for s in streams:
            s.shutdown()


class _InterruptibleTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.backend = _InterruptibleBackend()
        # httpx has no parameter for the network backend: its pool is rebuilt with ours (same TLS defaults).
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=self.backend)


def segment_headers(meta: SegmentMeta) -> dict[str, str]:
    return {
        "Content-Type": SEGMENT_CONTENT_TYPE,
        SEGMENT_HEADERS["start"]: format_segment_start(meta.start),
        SEGMENT_HEADERS["duration_s"]: f"{meta.duration_s:.3f}",
        SEGMENT_HEADERS["discontinuity"]: "1" if meta.discontinuity else "0",
    }


class VideoUplink:
    """``base_url`` of the platform, the device key (sent as ``Authorization: Bearer``), a request timeout."""

    def __init__(self, base_url: str, device_key: str, timeout_s: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._headers = {"Authorization": f"Bearer {device_key}", "User-Agent": f"brightkitchen-edge/{__version__}"}
        self._uploads = self._client(timeout_s)
        self._poll_lock = threading.Lock()
        self._poll: httpx.Client | None = None
        self._poll_transport: _InterruptibleTransport | None = None
        self._closed = False

    def _client(self, timeout_s: float, transport: httpx.BaseTransport | None = None) -> httpx.Client:
        timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0))
        return httpx.Client(base_url=self.base_url, timeout=timeout, headers=self._headers, transport=transport)

    def put_live(self, camera_key: str, seq: int, meta: SegmentMeta, data: bytes) -> httpx.Response:
        url = f"/api/v1/device/cameras/{camera_key}/live/{seq}"
        return self._uploads.put(url, content=data, headers=segment_headers(meta))

    def put_playback(self, request_id: str, seq: int, meta: SegmentMeta, data: bytes) -> httpx.Response:
        url = f"/api/v1/device/playback/{request_id}/segments/{seq}"
        return self._uploads.put(url, content=data, headers=segment_headers(meta))

    def post_playback_done(self, request_id: str, done: PlaybackDone) -> httpx.Response:
        return self._uploads.post(
            f"/api/v1/device/playback/{request_id}/done",
            content=done.model_dump_json(),
            headers={"Content-Type": "application/json"},
        )

    def get_demand(self, after: str | None, wait_s: float) -> VideoDemand:
        """One long-poll; raises ``httpx.HTTPError`` (status errors included) when it did not work."""
        with self._poll_lock:
            if self._closed:
                raise httpx.ConnectError("closed")
            if self._poll is None:
                self._poll_transport = _InterruptibleTransport()
                self._poll = self._client(wait_s + 10.0, self._poll_transport)  # the platform holds it up to wait_s
            client = self._poll
        params: dict[str, str | float] = {"wait_s": wait_s}
        if after is not None:
            params["after"] = after
        resp = client.get("/api/v1/device/video/demand", params=params)
        resp.raise_for_status()
        return VideoDemand.model_validate_json(resp.content)

    def interrupt_poll(self) -> None:
        """End a poll in flight now (it raises in its thread); the next poll opens new connections."""
        with self._poll_lock:
            client, self._poll = self._poll, None
            transport, self._poll_transport = self._poll_transport, None
        if transport is not None:
            transport.backend.interrupt()
        if client is not None:
            client.close()

    def close(self) -> None:
        with self._poll_lock:
            self._closed = True
        self.interrupt_poll()
        self._uploads.close()
