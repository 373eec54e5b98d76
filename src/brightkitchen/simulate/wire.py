"""A minimal HTTP/1.1 client on one keep-alive connection, for the light fleet: requests are pre-built bytes and
only the status code (and a short body on refusals) is read back, so one process can keep a thousand requests a
second without an HTTP library's per-request cost."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

# Reconnect before reusing a connection idle this long: the server closes idle ones (serve --keep-alive-s, 5 s).
IDLE_REUSE_S = 3.0


class WireError(Exception):
    pass


def endpoint(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    if parts.scheme != "http" or not parts.hostname:
        raise WireError(f"the light fleet speaks plain http only, not {base_url!r}")
    return parts.hostname, parts.port or 80


def request_head(host: str, path: str, headers: dict[str, str], length: int) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (head + f"Content-Length: {length}\r\n\r\n").encode()


def request_bytes(host: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    return request_head(host, path, headers, len(body)) + body


class Connection:
    """One keep-alive connection, used by one coroutine at a time."""

    def __init__(self, host: str, port: int, timeout_s: float = 30.0) -> None:
        self.host, self.port, self.timeout_s = host, port, timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._last_used = 0.0

    async def _open(self) -> None:
        self.close()
        self._reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), self.timeout_s
        )

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def send(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body. A reused connection the server had already closed is reopened and the
        request sent once more (nothing of it was answered); any other failure raises."""
        stale = self._writer is None or time.monotonic() - self._last_used > IDLE_REUSE_S
        try:
            if stale:
                await self._open()
            try:
                return await asyncio.wait_for(self._exchange(raw), self.timeout_s)
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                answered = isinstance(exc, asyncio.IncompleteReadError) and bool(exc.partial)
                if stale or answered:
                    raise
            await self._open()
            return await asyncio.wait_for(self._exchange(raw), self.timeout_s)
        except BaseException:
            self.close()
            raise

    async def _exchange(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        assert self._reader is not None and self._writer is not None
        self._writer.write(raw)
        await self._writer.drain()
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self._reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._chunked()
        else:
            body = b""
        if headers.get("connection", "").lower() == "close":
            self.close()
        self._last_used = time.monotonic()
        return status, headers, body

    async def _chunked(self) -> bytes:
        assert self._reader is not None
        out = bytearray()
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await self._reader.readexactly(size + 2)
            if size == 0:
                return bytes(out)
            out += chunk[:-2]
