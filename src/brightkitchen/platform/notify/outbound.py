"""One outbound POST with a total deadline, to an address checked by the guard.

The name is resolved once, every address is checked, and the connection goes to a checked address (the Host
header and TLS name stay the URL's), so a rebinding DNS answer cannot move it. A timer closes the socket when
the deadline passes: a receiver that drips one byte a second is cut off, not waited on per read. Errors carry
only a short fixed reason, never what the receiver answered."""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from brightkitchen.platform.notify.guard import BlockedTarget, TargetPolicy, resolve, split_target

MAX_ANSWER_BYTES = 64 * 1024  # robots answer a small JSON document; more is not read


class DeliveryFailed(Exception):
    """A send failed; str() is a short fixed reason such as "timeout" or "HTTP 500"."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class _PinnedConnection(http.client.HTTPSConnection):
    """Connects to the given address; the host name is used only for the Host header and TLS."""

    def __init__(self, host: str, port: int, address: str, family: int, timeout: float, tls: bool) -> None:
        context = ssl.create_default_context() if tls else None
        super().__init__(host, port, timeout=timeout, context=context)
        self._address, self._family, self._tls = address, family, tls

    def connect(self) -> None:
        sock = socket.socket(self._family, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        self.sock = sock  # set before connecting, so the deadline timer can close it mid-connect
        sock.connect((self._address, self.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._tls:
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _close(conn: _PinnedConnection, expired: threading.Event) -> None:
    expired.set()
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ssl.SSLError):
        return "TLS error"
    if isinstance(exc, (http.client.HTTPException, ConnectionResetError, BrokenPipeError)):
        return "bad answer"
    return "connection failed"


def post(url: str, body: bytes, headers: dict[str, str], deadline_s: float, policy: TargetPolicy) -> Answer:
    """POSTs and returns the status and at most MAX_ANSWER_BYTES of the answer; raises DeliveryFailed."""
    started = time.monotonic()
    try:
        parts, host, port = split_target(url, policy)
        addresses = resolve(host, port, policy)
    except BlockedTarget as exc:
        raise DeliveryFailed(str(exc)) from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    tls = parts.scheme.lower() == "https"
    last = "connection failed"
    for family, ip in addresses:
        left = deadline_s - (time.monotonic() - started)
        if left <= 0:
            raise DeliveryFailed("timeout")
        conn = _PinnedConnection(host, port, str(ip), family, left, tls)
        expired = threading.Event()
        timer = threading.Timer(left, _close, (conn, expired))
        timer.daemon = True
        timer.start()
        try:
            conn.request("POST", path, body=body, headers={**headers, "Connection": "close"})
            resp = conn.getresponse()
            data = resp.read(MAX_ANSWER_BYTES)
            if expired.is_set():
                raise TimeoutError
            return Answer(resp.status, data)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            last = "timeout" if expired.is_set() else _reason(exc)
            if last not in ("connection refused", "connection failed"):
                break  # the receiver was reached (or the time is up): no second address
        finally:
            timer.cancel()
            conn.close()
    raise DeliveryFailed(last)
